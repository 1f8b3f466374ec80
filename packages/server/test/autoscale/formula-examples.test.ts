/**
 * The formulas of Azure's autoscale documentation (learn.microsoft.com/azure/batch/batch-automatic-scaling):
 * each parses and evaluates, and its targets match values computed by hand from the metrics given.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  evaluateFormula,
  fixedMetrics,
  parseFormula,
  type EvaluationOutcome,
  type Sample,
} from '../../src/autoscale/index.js';

/** Monday 7 December 2026, 10:30 UTC. */
const MONDAY = Date.parse('2026-12-07T10:30:00Z');
const SATURDAY = Date.parse('2026-12-12T10:30:00Z');

/** `count` samples 30 s apart, the newest at `now`. */
function every30s(now: number, values: readonly number[]): Sample[] {
  return values.map((value, i) => ({ time: now - (values.length - 1 - i) * 30_000, value }));
}

function repeat(value: number, count: number): number[] {
  return Array.from({ length: count }, () => value);
}

interface Case {
  name: string;
  formula: string;
  now?: number;
  current?: Record<string, number>;
  samples?: Record<string, (now: number) => Sample[]>;
  target?: number;
  expect: Partial<EvaluationOutcome>;
}

const SAMPLE_FORMULA = `startingNumberOfVMs = 1;
maxNumberofVMs = 25;
pendingTaskSamplePercent = $PendingTasks.GetSamplePercent(180 * TimeInterval_Second);
pendingTaskSamples = pendingTaskSamplePercent < 70 ? startingNumberOfVMs : avg($PendingTasks.GetSample(180 * TimeInterval_Second));
$TargetDedicatedNodes=min(maxNumberofVMs, pendingTaskSamples);`;

const CPU_FORMULA = `$totalDedicatedNodes =
    (min($CPUPercent.GetSample(TimeInterval_Minute * 10)) > 0.7) ?
    ($CurrentDedicatedNodes * 1.1) : $CurrentDedicatedNodes;
$totalDedicatedNodes =
    (avg($CPUPercent.GetSample(TimeInterval_Minute * 60)) < 0.2) ?
    ($CurrentDedicatedNodes * 0.9) : $totalDedicatedNodes;
$TargetDedicatedNodes = min(400, $totalDedicatedNodes)`;

const TIME_FORMULA = `$curTime = time();
$workHours = $curTime.hour >= 8 && $curTime.hour < 18;
$isWeekday = $curTime.weekday >= 1 && $curTime.weekday <= 5;
$isWorkingWeekdayHour = $workHours && $isWeekday;
$TargetDedicatedNodes = $isWorkingWeekdayHour ? 20:10;
$NodeDeallocationOption = taskcompletion;`;

const TASK_FORMULA = `// Get pending tasks for the past 15 minutes.
$samples = $ActiveTasks.GetSamplePercent(TimeInterval_Minute * 15);
// If we have fewer than 70 percent data points, we use the last sample point,
// otherwise we use the maximum of last sample point and the history average.
$tasks = $samples < 70 ? max(0,$ActiveTasks.GetSample(1)) : max( $ActiveTasks.GetSample(1), avg($ActiveTasks.GetSample(TimeInterval_Minute * 15)));
// If number of pending tasks is not 0, set targetVM to pending tasks, otherwise
// half of current dedicated.
$targetVMs = $tasks > 0? $tasks:max(0, $TargetDedicatedNodes/2);
// The pool size is capped at 20, if target VM value is more than that, set it
// to 20. This value should be adjusted according to your use case.
$TargetDedicatedNodes = max(0, min($targetVMs, 20));
// Set node deallocation mode - keep nodes active only until tasks finish
$NodeDeallocationOption = taskcompletion;`;

const PARALLEL_FORMULA = `// Determine whether 70 percent of the samples have been recorded in the past
// 15 minutes; if not, use last sample
$samples = $ActiveTasks.GetSamplePercent(TimeInterval_Minute * 15);
$tasks = $samples < 70 ? max(0,$ActiveTasks.GetSample(1)) : max( $ActiveTasks.GetSample(1),avg($ActiveTasks.GetSample(TimeInterval_Minute * 15)));
// Set the number of nodes to add to one-fourth the number of active tasks
// (the number of task slots per node)
$cores = $TargetDedicatedNodes * $TaskSlotsPerNode;
$extraVMs = (($tasks - $cores) + 3) / 4;
$targetVMs = ($TargetDedicatedNodes + $extraVMs);
// Attempt to grow the number of compute nodes to match the number of active
// tasks, with a maximum of 3
$TargetDedicatedNodes = max(0,min($targetVMs,3));
// Keep the nodes active until the tasks finish
$NodeDeallocationOption = taskcompletion;`;

function initialSizeFormula(created: string): string {
  return `
    $TargetDedicatedNodes = 4;
    lifespan         = time() - time("${created}");
    span             = TimeInterval_Minute * 60;
    startup          = TimeInterval_Minute * 10;
    ratio            = 50;

    $TargetDedicatedNodes = (lifespan > startup ? (max($RunningTasks.GetSample(span, ratio), $ActiveTasks.GetSample(span, ratio)) == 0 ? 0 : $TargetDedicatedNodes) : 4);
    `;
}

const CASES: Case[] = [
  {
    name: 'sample formula, 180 s of pending tasks: the average (4+6+8+10+12+14)/6 = 9',
    formula: SAMPLE_FORMULA,
    current: { $PendingTasks: 14 },
    samples: { $PendingTasks: (now) => every30s(now, [4, 6, 8, 10, 12, 14]) },
    expect: { targetDedicatedNodes: 9 },
  },
  {
    name: 'sample formula, fewer than 70 % of the samples: the starting size',
    formula: SAMPLE_FORMULA,
    current: { $PendingTasks: 40 },
    samples: { $PendingTasks: (now) => every30s(now, [40, 40]) },
    expect: {
      targetDedicatedNodes: 1,
      results:
        '$TargetDedicatedNodes=1;$TargetLowPriorityNodes=0;$NodeDeallocationOption=requeue;' +
        'maxNumberofVMs=25;pendingTaskSamplePercent=33.33333333333333;pendingTaskSamples=1;startingNumberOfVMs=1',
    },
  },
  {
    name: 'sample formula caps at 25',
    formula: SAMPLE_FORMULA,
    current: { $PendingTasks: 100 },
    samples: { $PendingTasks: (now) => every30s(now, repeat(100, 6)) },
    expect: { targetDedicatedNodes: 25 },
  },
  {
    name: 'CPU formula, busy (min over 10 min 0.8 > 0.7): 110 % of 20 current nodes',
    formula: CPU_FORMULA,
    current: { $CPUPercent: 0.8, $CurrentDedicatedNodes: 20 },
    samples: { $CPUPercent: (now) => every30s(now, repeat(0.8, 120)) },
    expect: { targetDedicatedNodes: 22 },
  },
  {
    name: 'CPU formula, idle (60-min average 0.1 < 0.2): 90 % of 10 current nodes',
    formula: CPU_FORMULA,
    current: { $CPUPercent: 0.1, $CurrentDedicatedNodes: 10 },
    samples: { $CPUPercent: (now) => every30s(now, repeat(0.1, 120)) },
    expect: { targetDedicatedNodes: 9 },
  },
  {
    name: 'time-based, a weekday in working hours: 20',
    formula: TIME_FORMULA,
    now: MONDAY,
    expect: {
      targetDedicatedNodes: 20,
      nodeDeallocationOption: 'taskcompletion',
      results:
        '$TargetDedicatedNodes=20;$TargetLowPriorityNodes=0;$NodeDeallocationOption=taskcompletion;' +
        '$curTime=2026-12-07T10:30:00.000Z;$isWeekday=1;$isWorkingWeekdayHour=1;$workHours=1',
    },
  },
  {
    name: 'time-based, a Saturday: 10',
    formula: TIME_FORMULA,
    now: SATURDAY,
    expect: { targetDedicatedNodes: 10 },
  },
  {
    name: 'task-based, 15 min of samples: max(last 6, average 5) = 6',
    formula: TASK_FORMULA,
    current: { $ActiveTasks: 6 },
    samples: { $ActiveTasks: (now) => every30s(now, [...repeat(5, 15), ...repeat(4, 7), ...repeat(6, 8)]) },
    expect: { targetDedicatedNodes: 6, nodeDeallocationOption: 'taskcompletion' },
  },
  {
    name: 'task-based, few samples: the last one, 3',
    formula: TASK_FORMULA,
    current: { $ActiveTasks: 3 },
    samples: { $ActiveTasks: (now) => every30s(now, [3]) },
    expect: { targetDedicatedNodes: 3 },
  },
  {
    name: 'task-based, no active tasks: half the target of 8',
    formula: TASK_FORMULA,
    target: 8,
    current: { $ActiveTasks: 0 },
    samples: { $ActiveTasks: (now) => every30s(now, [0]) },
    expect: { targetDedicatedNodes: 4 },
  },
  {
    name: 'parallel tasks: 1 node × 4 slots, 10 tasks → 1 + (10-4+3)/4 = 3.25, capped at 3',
    formula: PARALLEL_FORMULA,
    target: 1,
    current: { $ActiveTasks: 10, $TaskSlotsPerNode: 4 },
    samples: { $ActiveTasks: (now) => every30s(now, [10]) },
    expect: { targetDedicatedNodes: 3 },
  },
  {
    name: 'parallel tasks: 2 tasks on 1 node × 4 slots → 1 + (2-4+3)/4 = 1.25 → 1',
    formula: PARALLEL_FORMULA,
    target: 1,
    current: { $ActiveTasks: 2, $TaskSlotsPerNode: 4 },
    samples: { $ActiveTasks: (now) => every30s(now, [2]) },
    expect: { targetDedicatedNodes: 1 },
  },
  {
    name: 'initial size, within the first 10 minutes: 4',
    formula: initialSizeFormula('Mon, 07 Dec 2026 10:25:00 GMT'),
    now: MONDAY,
    expect: { targetDedicatedNodes: 4 },
  },
  {
    name: 'initial size, after 10 minutes with nothing running or active for an hour: 0',
    formula: initialSizeFormula('Mon, 07 Dec 2026 10:00:00 GMT'),
    now: MONDAY,
    current: { $RunningTasks: 0, $ActiveTasks: 0 },
    samples: {
      $RunningTasks: (now) => every30s(now, repeat(0, 60)),
      $ActiveTasks: (now) => every30s(now, repeat(0, 60)),
    },
    expect: { targetDedicatedNodes: 0 },
  },
  {
    name: 'initial size, after 10 minutes with tasks: unchanged 4',
    formula: initialSizeFormula('Mon, 07 Dec 2026 10:00:00 GMT'),
    now: MONDAY,
    current: { $RunningTasks: 2, $ActiveTasks: 0 },
    samples: {
      $RunningTasks: (now) => every30s(now, repeat(2, 60)),
      $ActiveTasks: (now) => every30s(now, repeat(0, 60)),
    },
    expect: { targetDedicatedNodes: 4 },
  },
  {
    name: 'a look-back window: the samples after 6 and up to 1 minute ago',
    formula: `$runningTasksSample = $RunningTasks.GetSample(1 * TimeInterval_Minute, 6 * TimeInterval_Minute);
$TargetDedicatedNodes = len($runningTasksSample) + sum($runningTasksSample) * 0;`,
    current: { $RunningTasks: 1 },
    samples: { $RunningTasks: (now) => every30s(now, repeat(1, 21)) },
    expect: { targetDedicatedNodes: 10 },
  },
  {
    name: 'enable-time formula of the docs keeps the current size',
    formula: '$TargetDedicatedNodes = $CurrentDedicatedNodes;',
    current: { $CurrentDedicatedNodes: 3 },
    expect: { targetDedicatedNodes: 3 },
  },
  {
    name: 'low-priority target and deallocation option',
    formula:
      '$TargetLowPriorityNodes = 5; $TargetDedicatedNodes = 0; $NodeDeallocationOption = retaineddata;',
    expect: { targetDedicatedNodes: 0, targetLowPriorityNodes: 5, nodeDeallocationOption: 'retaineddata' },
  },
];

function run(testCase: Case): EvaluationOutcome {
  const now = testCase.now ?? MONDAY;
  const samples = Object.fromEntries(
    Object.entries(testCase.samples ?? {}).map(([name, make]) => [name, make(now)]),
  );
  return evaluateFormula(parseFormula(testCase.formula), {
    now,
    random: () => 0.25,
    metrics: fixedMetrics(testCase.current ?? {}, samples),
    targetDedicatedNodes: testCase.target ?? 0,
    targetLowPriorityNodes: 0,
  });
}

describe('autoscale formulas of the Azure documentation', () => {
  for (const testCase of CASES) {
    it(testCase.name, () => {
      const outcome = run(testCase);
      for (const [key, value] of Object.entries(testCase.expect)) {
        assert.equal(outcome[key as keyof EvaluationOutcome], value, `${key}: ${outcome.results}`);
      }
    });
  }

  it('GetSample with a sample percentage: 18 of 20 samples is 90 %, so 95 fails and 80 succeeds', () => {
    // The documentation's own example: the last minute of $CPUPercent history is missing.
    const samples = every30s(MONDAY - 60_000, repeat(0.5, 18));
    const evaluate = (formula: string) =>
      evaluateFormula(parseFormula(formula), {
        now: MONDAY,
        random: () => 0,
        metrics: fixedMetrics({ $CPUPercent: 0.5 }, { $CPUPercent: samples }),
        targetDedicatedNodes: 0,
        targetLowPriorityNodes: 0,
      });
    assert.equal(
      evaluate('$TargetDedicatedNodes = len($CPUPercent.GetSample(TimeInterval_Minute * 10));')
        .targetDedicatedNodes,
      18,
    );
    assert.equal(
      evaluate('$TargetDedicatedNodes = len($CPUPercent.GetSample(TimeInterval_Minute * 10, 80));')
        .targetDedicatedNodes,
      18,
    );
    assert.throws(
      () => evaluate('$TargetDedicatedNodes = len($CPUPercent.GetSample(TimeInterval_Minute * 10, 95));'),
      (error: Error & { code?: string }) =>
        error.code === 'InsufficientSampleData' &&
        error.message ===
          'Line 1, Col 29: Insufficient data from data set: $CPUPercent wanted 95%, received 90%',
    );
  });
});
