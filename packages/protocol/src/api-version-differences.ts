/**
 * How the wire shapes Batchite implements differ between api-versions, as one table. The server answers in the
 * shape of the version asked and reads request bodies in it, so an SDK of 2018–2022 sees what its own models define.
 *
 * Evidence: the models of `@azure/batch` 7.0.0 (2018-12-01.8.0), 8.0.0 (2020-09-01.12.0) and 10.2.0
 * (2022-10-01.16.0), and the release history of the Python `azure-batch` package (which names the REST version of
 * each release). Properties a version does not define are left out of its answers (an older client never reads
 * them, and a strict one may refuse them); a renamed property keeps the name that version uses, both ways.
 */
import { apiVersionAtLeast, type ApiVersion } from './models/api-version.js';

/** The answers whose shape depends on the api-version. */
export type VersionedEntity =
  'pools' | 'nodes' | 'jobs' | 'jobschedules' | 'tasks' | 'taskcounts' | 'poolnodecounts';

/** A property whose name changed: `before` until `since`, `current` from then on, wherever it appears. */
export interface RenamedProperty {
  readonly current: string;
  readonly before: string;
  readonly since: ApiVersion;
}

/** A property (dotted path inside the entity) that versions before `since` do not define. */
export interface AddedProperty {
  readonly path: string;
  readonly since: ApiVersion;
}

export const RENAMED_PROPERTIES: readonly RenamedProperty[] = Object.freeze([
  // Pools and pool specifications (auto pools of jobs and job schedules): slots replaced tasks per node.
  { current: 'taskSlotsPerNode', before: 'maxTasksPerNode', since: '2020-09-01.12.0' },
]);

/** `GET /jobs/{id}/taskcounts` answers `{taskCounts, taskSlotCounts}` from this version, the bare counts before. */
export const TASK_COUNTS_RESULT_SINCE: ApiVersion = '2020-09-01.12.0';

const JOB_SPECIFICATION_ADDITIONS: readonly AddedProperty[] = [
  { path: 'maxParallelTasks', since: '2021-06-01.14.0' },
  { path: 'allowTaskPreemption', since: '2022-01-01.15.0' },
  { path: 'jobManagerTask.requiredSlots', since: '2020-09-01.12.0' },
  { path: 'poolInfo.autoPoolSpecification.pool.targetNodeCommunicationMode', since: '2022-10-01.16.0' },
];

export const ADDED_PROPERTIES: Readonly<Record<VersionedEntity, readonly AddedProperty[]>> = Object.freeze({
  pools: [
    { path: 'targetNodeCommunicationMode', since: '2022-10-01.16.0' },
    { path: 'currentNodeCommunicationMode', since: '2022-10-01.16.0' },
  ],
  nodes: [
    { path: 'runningTaskSlotsCount', since: '2020-09-01.12.0' },
    { path: 'virtualMachineInfo', since: '2021-06-01.14.0' },
  ],
  jobs: JOB_SPECIFICATION_ADDITIONS,
  jobschedules: JOB_SPECIFICATION_ADDITIONS.map((added) => ({
    path: `jobSpecification.${added.path}`,
    since: added.since,
  })),
  tasks: [{ path: 'requiredSlots', since: '2020-09-01.12.0' }],
  taskcounts: [],
  // Node states that came later: nodes upgrading their OS, then deallocated (stopped) nodes.
  poolnodecounts: (['dedicated', 'lowPriority'] as const).flatMap((kind) => [
    { path: `${kind}.upgradingOS`, since: '2023-05-01.17.0' as const },
    { path: `${kind}.deallocated`, since: '2024-07-01.20.0' as const },
    { path: `${kind}.deallocating`, since: '2024-07-01.20.0' as const },
  ]),
});

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A copy of `value` with every key `from` (at any depth) renamed to `to`; untouched parts are shared. */
function renameKey(value: unknown, from: string, to: string): unknown {
  if (Array.isArray(value)) return value.map((item) => renameKey(item, from, to));
  if (!isObject(value)) return value;
  const out: Json = {};
  for (const [key, inner] of Object.entries(value)) out[key === from ? to : key] = renameKey(inner, from, to);
  return out;
}

/** A copy of `value` without the property at the dotted `path` (copies only along the path). */
function withoutPath(value: Json, path: readonly string[]): Json {
  const [head, ...rest] = path;
  if (head === undefined || !(head in value)) return value;
  if (rest.length === 0) {
    const { [head]: _dropped, ...kept } = value;
    return kept;
  }
  const inner = value[head];
  return isObject(inner) ? { ...value, [head]: withoutPath(inner, rest) } : value;
}

/** A request body as sent in `version`, in the newest version's names (what the validators read). */
export function requestBodyFromVersion(body: unknown, version: ApiVersion): unknown {
  let out = body;
  for (const renamed of RENAMED_PROPERTIES) {
    if (!apiVersionAtLeast(version, renamed.since)) out = renameKey(out, renamed.before, renamed.current);
  }
  return out;
}

/** One entity of an answer (an element of a list, or a single get), in the shape `version` defines. */
export function entityForVersion(entity: VersionedEntity, body: object, version: ApiVersion): object {
  let out = body as Json;
  for (const added of ADDED_PROPERTIES[entity]) {
    if (!apiVersionAtLeast(version, added.since)) out = withoutPath(out, added.path.split('.'));
  }
  if (entity === 'taskcounts' && !apiVersionAtLeast(version, TASK_COUNTS_RESULT_SINCE)) {
    const { taskCounts, taskSlotCounts: _slots, ...rest } = out;
    out = isObject(taskCounts) ? { ...rest, ...taskCounts } : rest;
  }
  for (const renamed of RENAMED_PROPERTIES) {
    if (!apiVersionAtLeast(version, renamed.since))
      out = renameKey(out, renamed.current, renamed.before) as Json;
  }
  return out;
}
