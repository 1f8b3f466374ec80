/** The formula language piece by piece: functions, operators, types, and where errors are reported. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  evaluateFormula,
  fixedMetrics,
  FormulaEvaluationError,
  FormulaSyntaxError,
  parseFormula,
} from '../../src/autoscale/index.js';

const NOW = Date.parse('2026-12-07T10:30:00Z');

/** The results string of `formula` (its own variables after the three service ones). */
function results(formula: string): string {
  const outcome = evaluateFormula(parseFormula(formula), {
    now: NOW,
    random: () => 0.25,
    metrics: fixedMetrics({ $CurrentDedicatedNodes: 2 }),
    targetDedicatedNodes: 0,
    targetLowPriorityNodes: 0,
  });
  return outcome.results.split(';').slice(3).join(';');
}

const VALUES: ReadonlyArray<readonly [formula: string, expected: string]> = [
  ['a = avg(1, 2, 3, 7)', 'a=3.25'],
  ['a = len(1, 2, 3)', 'a=3'],
  ['a = lg(8)', 'a=3'],
  ['a = ln(1)', 'a=0'],
  ['a = log(1000)', 'a=3'],
  ['a = max(1, 9, 4)', 'a=9'],
  ['a = min(5, 2, 8)', 'a=2'],
  ['a = norm(3, 4)', 'a=5'],
  ['a = range(3, 10, 7)', 'a=7'],
  ['a = std(2, 4, 4, 4, 5, 5, 7, 9)', `a=${Math.sqrt(32 / 7)}`],
  ['a = sum(1, 2, 3.5)', 'a=6.5'],
  ['a = median(5, 1, 3, 9)', 'a=4'],
  ['a = rand()', 'a=0.25'],
  ['a = ceil(2.1); b = floor(2.9); c = round(2.5)', 'a=3;b=2;c=3'],
  ['a = time("Mon, 07 Dec 2026 08:00:00 GMT").hour', 'a=8'],
  [
    't = time("2026-12-07T08:00:00Z"); a = t.year * 10000 + t.month * 100 + t.day',
    'a=20261207;t=2026-12-07T08:00:00.000Z',
  ],
  ['a = time() - time("2026-12-07T10:00:00Z")', 'a=00:30:00'],
  ['a = TimeInterval_Minute * 5', 'a=00:05:00'],
  ['a = TimeInterval_Day * 1.5 + TimeInterval_Second / 4', 'a=1.12:00:00.2500000'],
  ['a = TimeInterval_Hour > TimeInterval_Minute * 59', 'a=1'],
  ['a = "abc" < "abd"', 'a=1'],
  ['a = time() + TimeInterval_Hour', 'a=2026-12-07T11:30:00.000Z'],
  ['a = -(2 + 3) * 4 / 2', 'a=-10'],
  ['a = !0; b = !3; c = 1 && 0; d = 0 || 2', 'a=1;b=0;c=0;d=1'],
  ['a = 1 < 2 ? 2 > 3 ? 10 : 20 : 30', 'a=20'],
  ['a = 2 != 2; b = 2 == 2; c = 3 >= 3; d = 3 <= 2', 'a=0;b=1;c=1;d=0'],
  ['a = $CurrentDedicatedNodes * 1.5', 'a=3'],
  ['$a = 1; a = 2', '$a=1;a=2'],
  ['a = 1; stop(); b = 2', 'a=1'],
  ['a = 2e3 + .5', 'a=2000.5'],
  ['/* block\ncomment */ a = 1; // trailing comment', 'a=1'],
];

describe('autoscale formula values', () => {
  for (const [formula, expected] of VALUES) {
    it(`${formula.replace(/\n/g, ' ')} → ${expected}`, () => assert.equal(results(formula), expected));
  }

  it('percentile (nearest-rank), val and the element-wise functions on a vector of samples', () => {
    const samples = [40, 10, 30, 20].map((value, i) => ({ time: NOW - (3 - i) * 30_000, value }));
    const outcome = evaluateFormula(
      parseFormula(
        `v = $ActiveTasks.GetSample(4);
         p50 = percentile(v, 50); p90 = percentile(v, 90); p0 = percentile(v, 0);
         first = val(v, 0); last = val(v, 3); scaled = v / 10; logs = log(v * 0 + 100)`,
      ),
      {
        now: NOW,
        random: () => 0,
        metrics: fixedMetrics({ $ActiveTasks: 20 }, { $ActiveTasks: samples }),
        targetDedicatedNodes: 0,
        targetLowPriorityNodes: 0,
      },
    );
    assert.equal(
      outcome.results.split(';').slice(3).join(';'),
      'first=40;last=20;logs=[2,2,2,2];p0=10;p50=20;p90=40;scaled=[4,1,3,2];v=[40,10,30,20]',
    );
  });
});

function syntaxError(formula: string): string {
  try {
    parseFormula(formula);
  } catch (error) {
    assert.ok(error instanceof FormulaSyntaxError);
    return error.message;
  }
  return assert.fail(`${formula} parsed`);
}

describe('autoscale formula syntax errors name the line and column', () => {
  const CASES: ReadonlyArray<readonly [string, string]> = [
    ['$TargetDedicatedNodes = ;', 'Line 1, Col 25: expected an expression but found ";"'],
    ['a = 1;\nb = (2 + 3;', 'Line 2, Col 11: expected ")" but found ";"'],
    ['$x = 1 @ 2', "Line 1, Col 8: unexpected character '@'"],
    ['a = time("2026', 'Line 1, Col 10: unterminated string'],
    ['a = 1 b = 2', 'Line 1, Col 7: expected ";" but found "b"'],
    ['a = 1 ? 2', 'Line 1, Col 10: expected ":" but found the end of the formula'],
    ['a = $CPUPercent.', 'Line 1, Col 17: expected a member name after "." but found the end of the formula'],
    ['  // only a comment\n', 'Line 2, Col 1: the formula has no statement'],
    ['a = 1 /* open', 'Line 1, Col 7: unterminated comment'],
  ];
  for (const [formula, message] of CASES) {
    it(JSON.stringify(formula), () => assert.equal(syntaxError(formula), message));
  }

  it('refuses more than 100 statements', () => {
    assert.match(syntaxError('a = 1;'.repeat(101)), /more than 100 statements/);
  });
});

describe('autoscale formula run-time errors', () => {
  const CASES: ReadonlyArray<readonly [string, string]> = [
    ['a = b + 1', 'Line 1, Col 5: b is not defined'],
    ['$CPUPercent = 3', 'Line 1, Col 1: $CPUPercent is read-only'],
    ['a = $MemoryBytes + 1', 'Line 1, Col 5: $MemoryBytes is not measured by Batchite'],
    ['a = nosuch(1)', 'Line 1, Col 5: nosuch() is not a function of the language'],
    ['a = "x" + 1', 'Line 1, Col 9: string + double is not an operation of the language'],
    [
      'a = avg($CurrentDedicatedNodes.GetSample(TimeInterval_Minute))',
      'Line 1, Col 9: Insufficient data from data set: $CurrentDedicatedNodes wanted 0%, received 0%',
    ],
    [
      '$NodeDeallocationOption = 3',
      'Line 1, Col 1: $NodeDeallocationOption must be one of requeue, terminate, taskcompletion, retaineddata',
    ],
    [
      '$TargetDedicatedNodes = TimeInterval_Minute',
      'Line 1, Col 1: $TargetDedicatedNodes must be a finite double, not 00:01:00',
    ],
    [
      '$TargetDedicatedNodes = 1 / 0',
      'Line 1, Col 1: $TargetDedicatedNodes must be a finite double, not Infinity',
    ],
    ['a = val(3, 1)', 'Line 1, Col 5: val(): index 1 is outside a vector of 1'],
    ['a = time().century', 'Line 1, Col 5: timestamp has no member century'],
  ];
  for (const [formula, message] of CASES) {
    it(formula, () =>
      assert.throws(
        () => results(formula),
        (error) => error instanceof FormulaEvaluationError && error.message === message,
      ),
    );
  }
});
