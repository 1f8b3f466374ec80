import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  FILE_FILTER_SCHEMA,
  FilterError,
  JOB_FILTER_SCHEMA,
  NODE_FILTER_SCHEMA,
  POOL_FILTER_SCHEMA,
  TASK_FILTER_SCHEMA,
  applySelect,
  evaluateFilter,
  filterEquals,
  parseFilter,
  parseSelect,
  type FilterSchema,
} from '../src/index.js';

const tasks = [
  {
    id: 'Task-1',
    state: 'completed',
    creationTime: '2024-01-01T00:00:00.1234567Z',
    lastModified: '2024-01-02T00:00:00Z',
    executionInfo: { exitCode: 0, result: 'success', retryCount: 0, requeueCount: 0 },
  },
  {
    id: 'task-2',
    state: 'completed',
    creationTime: '2024-01-01T00:00:00.1234568Z',
    lastModified: '2024-01-03T00:00:00Z',
    executionInfo: { exitCode: 3, result: 'failure', retryCount: 2, requeueCount: 0 },
  },
  { id: 'task-3', state: 'active', creationTime: '2024-02-01T12:00:00Z', executionInfo: { retryCount: 0 } },
  { id: "it's", state: 'running', creationTime: '2023-12-31T23:59:59.9999999Z' },
];

function matching(
  filter: string,
  schema: FilterSchema = TASK_FILTER_SCHEMA,
  entities: object[] = tasks,
): string[] {
  const expr = parseFilter(filter, schema);
  return entities
    .filter((entity) => evaluateFilter(expr, entity))
    .map((entity) => (entity as { id: string }).id);
}

function rejects(filter: string, reason: RegExp, schema: FilterSchema = TASK_FILTER_SCHEMA): void {
  assert.throws(
    () => parseFilter(filter, schema),
    (error: unknown) => {
      assert.ok(error instanceof FilterError, String(error));
      assert.match(error.reason, reason);
      assert.equal(error.message, error.reason);
      return true;
    },
    filter,
  );
}

void test('comparisons on each type', () => {
  assert.deepEqual(matching("state eq 'completed'"), ['Task-1', 'task-2']);
  assert.deepEqual(matching('executionInfo/exitCode ne 0'), ['task-2', 'task-3', "it's"]);
  assert.deepEqual(matching('executionInfo/exitCode gt 0'), ['task-2']);
  assert.deepEqual(matching('executionInfo/exitCode le 0'), ['Task-1']);
  assert.deepEqual(matching('executionInfo/exitCode ge -1'), ['Task-1', 'task-2']);
  assert.deepEqual(matching("executionInfo/result eq 'failure'"), ['task-2']);
  assert.deepEqual(matching("executionInfo/result ne 'failure'"), ['Task-1', 'task-3', "it's"]);
  assert.deepEqual(matching("id gt 'task-2'"), ['task-3']);
  assert.deepEqual(matching("id le 'it''s'"), ["it's"]);
  assert.deepEqual(matching("id lt 'task-2'"), ['Task-1', "it's"]);
});

void test('the SDK wire example: exit code and state combined', () => {
  assert.deepEqual(matching("executionInfo/exitCode ne 0 and state eq 'completed'"), ['task-2']);
});

void test('and binds tighter than or; parentheses override', () => {
  assert.deepEqual(matching("state eq 'active' or state eq 'completed' and executionInfo/exitCode eq 3"), [
    'task-2',
    'task-3',
  ]);
  assert.deepEqual(matching("(state eq 'active' or state eq 'completed') and executionInfo/exitCode eq 3"), [
    'task-2',
  ]);
  assert.deepEqual(matching("((state eq 'running'))"), ["it's"]);
});

void test('enums and ids compare case-insensitively; keywords and names too', () => {
  assert.deepEqual(matching("state eq 'COMPLETED'"), ['Task-1', 'task-2']);
  assert.deepEqual(matching("id eq 'task-1'"), ['Task-1']);
  assert.deepEqual(matching("STATE EQ 'running' OR Id Eq 'TASK-3'"), ['task-3', "it's"]);
  assert.deepEqual(matching("startswith(id,'TASK')"), ['Task-1', 'task-2', 'task-3']);
});

void test("string literals with '' escapes", () => {
  assert.deepEqual(matching("id eq 'it''s'"), ["it's"]);
  assert.deepEqual(matching("id eq ''"), []);
});

void test('startswith, also compared with true/false', () => {
  assert.deepEqual(matching("startswith(id,'task-')"), ['Task-1', 'task-2', 'task-3']);
  assert.deepEqual(matching("startswith(id, 'task-') eq false"), ["it's"]);
  assert.deepEqual(matching("startswith(id,'task-') ne true"), ["it's"]);
  assert.deepEqual(matching("startswith(id,'task-') eq true and state eq 'active'"), ['task-3']);
});

void test('date-times compare as instants, with 7-digit precision and both literal forms', () => {
  assert.deepEqual(matching('creationTime gt 2024-01-01T00:00:00.1234567Z'), ['task-2', 'task-3']);
  assert.deepEqual(matching("creationTime ge datetime'2024-01-01T00:00:00.1234567Z'"), [
    'Task-1',
    'task-2',
    'task-3',
  ]);
  assert.deepEqual(matching('creationTime lt 2024-01-01T00:00:00Z'), ["it's"]);
  assert.deepEqual(matching('creationTime gt 2024-01-01T01:00:00+02:00'), [
    'Task-1',
    'task-2',
    'task-3',
    "it's",
  ]);
  assert.deepEqual(matching('creationTime gt 2024-01-01T02:00:00+02:00'), ['Task-1', 'task-2', 'task-3']);
  assert.deepEqual(matching("creationTime lt '2024-01-01'"), ["it's"]);
  assert.deepEqual(matching("creationTime eq datetime'2024-02-01T12:00:00.000Z'"), ['task-3']);
  assert.deepEqual(matching('lastModifiedTime gt 2024-01-02T00:00:00Z'), ['task-2']);
  assert.deepEqual(matching('lastModified gt 2024-01-02T00:00:00Z'), ['task-2']);
});

void test('missing properties compare as null: ne is true, the rest false', () => {
  assert.deepEqual(matching('executionInfo/exitCode eq 0'), ['Task-1']);
  assert.deepEqual(matching('executionInfo/exitCode lt 100'), ['Task-1', 'task-2']);
  assert.deepEqual(
    matching('executionInfo/endTime ne 2024-01-01T00:00:00Z'),
    tasks.map((t) => t.id),
  );
  assert.deepEqual(matching('executionInfo/endTime gt 2000-01-01T00:00:00Z'), []);
  assert.equal(evaluateFilter(parseFilter("state eq 'active'", TASK_FILTER_SCHEMA), { state: null }), false);
  assert.equal(
    evaluateFilter(parseFilter("state ne 'active'", { state: { type: 'enum', operators: ['ne'] } }), {}),
    true,
  );
});

void test('syntax errors explain themselves', () => {
  rejects('', /empty/);
  rejects("state eq 'active", /not closed/);
  rejects("state eq 'active' and", /ends too early/);
  rejects("state 'active'", /Expected one of eq, ne/);
  rejects("state eq 'active')", /Unexpected '\)'/);
  rejects("(state eq 'active'", /expected '\)'/);
  rejects("state eq 'active' state eq 'running'", /expected 'and', 'or'/);
  rejects("state eq 'a' # x", /Unexpected character '#'/);
  rejects("not state eq 'active'", /'not' operator is not supported/);
  rejects("startswith(id 'x')", /Expected ','/);
  rejects('startswith(id,5)', /quoted string/);
  rejects("startswith(id,'x') eq 5", /true or false/);
  rejects('id eq state', /Expected a value/);
  rejects(`${'('.repeat(51)}state eq 'active'${')'.repeat(51)}`, /nested more than 50 deep/);
  rejects('('.repeat(100_000), /nested more than 50 deep/);
  assert.deepEqual(matching(`${'('.repeat(50)}state eq 'active'${')'.repeat(50)}`), ['task-3']);
});

void test('unknown properties, disallowed operators and type mismatches are rejected', () => {
  rejects("colour eq 'red'", /'colour' is not a property .*use one of: id, state/);
  rejects("state ne 'active'", /'ne' is not supported on 'state'; supported: eq/);
  rejects("state gt 'active'", /'gt' is not supported/);
  rejects("executionInfo/result gt 'success'", /'gt' is not supported/);
  rejects(
    "state eq 'sleeping'",
    /'sleeping' is not a valid value for 'state'; use one of: active, preparing/,
  );
  rejects("executionInfo/exitCode eq '0'", /must be compared with an integer/);
  rejects('executionInfo/exitCode eq 1.5', /Unexpected character '\.'|Expected/);
  rejects('state eq 1', /quoted string/);
  rejects('creationTime gt 5', /date-time/);
  rejects("creationTime gt 'yesterday'", /not a valid date-time/);
  rejects('creationTime gt 2024-13-01T00:00:00Z', /not a valid date-time/);
  rejects("startswith(state,'a')", /'startswith' is not supported on 'state'/);
  rejects("name eq 'stdout.txt'", /'eq' is not supported on 'name'/, FILE_FILTER_SCHEMA);
  rejects('enableAutoScale eq 1', /true or false/, POOL_FILTER_SCHEMA);
});

void test('schemas of jobs, pools, nodes and files', () => {
  const jobs = [
    { id: 'a', state: 'active', executionInfo: { poolId: 'Pool1', startTime: '2024-01-01T00:00:00Z' } },
    { id: 'b', state: 'completed', executionInfo: { poolId: 'pool2', startTime: '2024-01-02T00:00:00Z' } },
  ];
  assert.deepEqual(matching("executionInfo/poolId eq 'pool1'", JOB_FILTER_SCHEMA, jobs), ['a']);
  assert.deepEqual(matching("state eq 'completed'", JOB_FILTER_SCHEMA, jobs), ['b']);
  assert.throws(() => parseFilter('executionInfo/exitCode eq 0', JOB_FILTER_SCHEMA), FilterError);

  const pools = [
    { id: 'p1', state: 'active', allocationState: 'steady', enableAutoScale: false, vmSize: 'STANDARD_D2' },
    {
      id: 'p2',
      state: 'deleting',
      allocationState: 'resizing',
      enableAutoScale: true,
      vmSize: 'standard_d4',
    },
  ];
  assert.deepEqual(matching('enableAutoScale eq true', POOL_FILTER_SCHEMA, pools), ['p2']);
  assert.deepEqual(matching("allocationState eq 'steady'", POOL_FILTER_SCHEMA, pools), ['p1']);
  assert.deepEqual(matching("vmSize eq 'standard_d2'", POOL_FILTER_SCHEMA, pools), ['p1']);
  assert.deepEqual(matching('enableInterNodeCommunication ne true', POOL_FILTER_SCHEMA, pools), ['p1', 'p2']);

  const nodes = [
    { id: 'n1', state: 'idle', startTaskInfo: { state: 'completed', exitCode: 0, result: 'success' } },
    {
      id: 'n2',
      state: 'starttaskfailed',
      startTaskInfo: { state: 'completed', exitCode: 1, result: 'failure' },
    },
  ];
  assert.deepEqual(matching('startTaskInfo/exitCode ne 0', NODE_FILTER_SCHEMA, nodes), ['n2']);
  assert.deepEqual(matching("state eq 'idle'", NODE_FILTER_SCHEMA, nodes), ['n1']);
  assert.throws(() => parseFilter("id eq 'n1'", NODE_FILTER_SCHEMA), FilterError);

  const files = [{ name: 'stdout.txt' }, { name: 'wd/out.txt' }, { name: 'WD/x' }];
  const names = (filter: string) =>
    files
      .filter((file) => evaluateFilter(parseFilter(filter, FILE_FILTER_SCHEMA), file))
      .map((file) => file.name);
  assert.deepEqual(names("startswith(name,'wd/')"), ['wd/out.txt']);
  assert.deepEqual(names("startswith(name,'')"), ['stdout.txt', 'wd/out.txt', 'WD/x']);
});

void test('filterEquals finds pushable equality predicates', () => {
  const parse = (text: string) => parseFilter(text, TASK_FILTER_SCHEMA);
  assert.equal(filterEquals(parse("state eq 'Active'"), 'state'), 'active');
  assert.equal(
    filterEquals(parse("executionInfo/exitCode ne 0 and state eq 'completed'"), 'state'),
    'completed',
  );
  assert.equal(filterEquals(parse("(id gt 'a' and state eq 'running') and id lt 'z'"), 'STATE'), 'running');
  assert.equal(filterEquals(parse("state eq 'active' or state eq 'running'"), 'state'), undefined);
  assert.equal(filterEquals(parse("state eq 'active'"), 'id'), undefined);
  assert.equal(filterEquals(parse("startswith(id,'a')"), 'id'), undefined);
  assert.equal(filterEquals(parse("id eq 'Task-1'"), 'id'), 'Task-1');
  assert.equal(filterEquals(parse('executionInfo/exitCode eq 3'), 'executionInfo/exitCode'), '3');
});

void test('parseSelect', () => {
  assert.deepEqual(parseSelect('id,state'), ['id', 'state']);
  assert.deepEqual(parseSelect(' id , executionInfo ,ID,'), ['id', 'executionInfo']);
  assert.deepEqual(parseSelect(''), []);
  assert.throws(() => parseSelect('id,executionInfo/exitCode'), FilterError);
  assert.throws(() => parseSelect('odata.metadata'), FilterError);
  assert.throws(() => parseSelect('*'), FilterError);
});

void test('applySelect keeps matching top-level properties and never odata.metadata', () => {
  const entity = { 'odata.metadata': 'x', id: 't', state: 'active', executionInfo: { retryCount: 0 } };
  assert.deepEqual(applySelect(entity, ['ID', 'executionInfo']), {
    id: 't',
    executionInfo: { retryCount: 0 },
  });
  assert.deepEqual(applySelect(entity, ['nothing']), {});
  assert.deepEqual(applySelect(entity, []), { id: 't', state: 'active', executionInfo: { retryCount: 0 } });
  assert.equal(entity['odata.metadata'], 'x', 'input untouched');
});
