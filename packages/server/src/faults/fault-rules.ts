/**
 * Fault rules (Batchite extension): what to break, where and how often. A rule set is JSON:
 *
 *   { "seed": 42, "rules": [ { "id": "r1", "match": { "method": "POST", "path": "/jobs/{jobId}/tasks" },
 *                              "probability": 0.2, "count": 10, "action": { "type": "error", "status": 503,
 *                              "code": "ServerBusy", "retryAfter": 2 } } ] }
 *
 * HTTP actions apply to Batch API requests that match; batch-level actions apply to nodes and task runs.
 * docs/faults.md describes every field. Parsing never throws anything but FaultRuleError (a 400 for the admin
 * API, a start-up error for `--faults FILE`).
 */
export type HttpFaultAction =
  | { type: 'error'; status: number; code: string; message?: string; retryAfter?: number }
  | { type: 'latency'; ms: number }
  | { type: 'reset' }
  | { type: 'lostResponse' }
  | { type: 'hang' }
  | { type: 'slowBody'; bytesPerSecond: number };

export type BatchFaultAction =
  | { type: 'killTask' }
  | { type: 'nodeOffline'; ms: number }
  | { type: 'exitCode'; attempt: number; exitCode: number };

export type FaultAction = HttpFaultAction | BatchFaultAction;

export interface FaultMatch {
  /** HTTP method, any case. */
  method?: string;
  /** Batch path template with `{param}` placeholders, e.g. `/jobs/{jobId}/tasks/{taskId}`. */
  path?: string;
  poolId?: string;
  jobId?: string;
  taskId?: string;
  nodeId?: string;
}

export interface FaultRule {
  id: string;
  match: FaultMatch;
  /** Chance that a matching event is hit, 0–1. @defaultValue 1 */
  probability: number;
  /** Most injections, then the rule goes quiet. @defaultValue unlimited */
  count?: number;
  action: FaultAction;
}

export interface FaultRuleSet {
  /** Seed of the rule set's random numbers: the same seed and traffic give the same faults. @defaultValue 1 */
  seed: number;
  rules: FaultRule[];
}

export const HTTP_ACTIONS = ['error', 'latency', 'reset', 'lostResponse', 'hang', 'slowBody'] as const;
export const BATCH_ACTIONS = ['killTask', 'nodeOffline', 'exitCode'] as const;

export class FaultRuleError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'FaultRuleError';
  }
}

type Json = Record<string, unknown>;

function object(value: unknown, where: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new FaultRuleError(`${where} must be a JSON object`);
  }
  return value as Json;
}

function integer(value: unknown, where: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new FaultRuleError(`${where} must be an integer between ${min} and ${max}`);
  }
  return value;
}

function text(value: unknown, where: string): string {
  if (typeof value !== 'string' || value === '')
    throw new FaultRuleError(`${where} must be a non-empty string`);
  return value;
}

function parseMatch(value: unknown, where: string): FaultMatch {
  const raw = value === undefined ? {} : object(value, where);
  const match: FaultMatch = {};
  for (const [key, entry] of Object.entries(raw)) {
    if (!['method', 'path', 'poolId', 'jobId', 'taskId', 'nodeId'].includes(key)) {
      throw new FaultRuleError(
        `${where}.${key} is not a match field (method, path, poolId, jobId, taskId, nodeId)`,
      );
    }
    (match as Record<string, string>)[key] = text(entry, `${where}.${key}`);
  }
  if (match.path !== undefined && !match.path.startsWith('/'))
    throw new FaultRuleError(`${where}.path must start with /`);
  return match;
}

function parseAction(value: unknown, where: string): FaultAction {
  const raw = object(value, where);
  const type = raw.type;
  switch (type) {
    case 'error': {
      const action: FaultAction = {
        type,
        status: integer(raw.status, `${where}.status`, 400, 599),
        code: text(raw.code, `${where}.code`),
      };
      if (raw.message !== undefined) action.message = text(raw.message, `${where}.message`);
      if (raw.retryAfter !== undefined)
        action.retryAfter = integer(raw.retryAfter, `${where}.retryAfter`, 0, 3600);
      return action;
    }
    case 'latency':
      return { type, ms: integer(raw.ms, `${where}.ms`, 0, 600_000) };
    case 'reset':
    case 'lostResponse':
    case 'hang':
    case 'killTask':
      return { type };
    case 'slowBody':
      return { type, bytesPerSecond: integer(raw.bytesPerSecond, `${where}.bytesPerSecond`, 1) };
    case 'nodeOffline':
      return { type, ms: integer(raw.ms ?? 60_000, `${where}.ms`, 1, 86_400_000) };
    case 'exitCode':
      return {
        type,
        attempt: integer(raw.attempt, `${where}.attempt`, 1),
        exitCode: integer(raw.exitCode, `${where}.exitCode`, -255, 255),
      };
    default:
      throw new FaultRuleError(
        `${where}.type must be one of ${[...HTTP_ACTIONS, ...BATCH_ACTIONS].join(', ')} (got ${JSON.stringify(type)})`,
      );
  }
}

/** Parses one rule; `fallbackId` names rules that come without an id. */
export function parseFaultRule(value: unknown, fallbackId: string): FaultRule {
  const raw = object(value, 'rule');
  const where = `rule ${typeof raw.id === 'string' ? raw.id : fallbackId}`;
  const rule: FaultRule = {
    id: raw.id === undefined ? fallbackId : text(raw.id, `${where}.id`),
    match: parseMatch(raw.match, `${where}.match`),
    probability: 1,
    action: parseAction(raw.action, `${where}.action`),
  };
  if (raw.probability !== undefined) {
    if (typeof raw.probability !== 'number' || !(raw.probability >= 0 && raw.probability <= 1)) {
      throw new FaultRuleError(`${where}.probability must be a number from 0 to 1`);
    }
    rule.probability = raw.probability;
  }
  if (raw.count !== undefined) rule.count = integer(raw.count, `${where}.count`, 1);
  const batchLevel = (BATCH_ACTIONS as readonly string[]).includes(rule.action.type);
  if (batchLevel && (rule.match.method !== undefined || rule.match.path !== undefined)) {
    throw new FaultRuleError(
      `${where}: ${rule.action.type} applies to nodes and tasks; match it with poolId/jobId/taskId/nodeId`,
    );
  }
  return rule;
}

export function parseFaultRuleSet(value: unknown): FaultRuleSet {
  const raw = object(value, 'fault rule set');
  const rules = raw.rules ?? [];
  if (!Array.isArray(rules)) throw new FaultRuleError('rules must be an array');
  const parsed = rules.map((rule, index) => parseFaultRule(rule, `rule-${index + 1}`));
  const ids = new Set<string>();
  for (const rule of parsed) {
    if (ids.has(rule.id)) throw new FaultRuleError(`rule id ${rule.id} is used twice`);
    ids.add(rule.id);
  }
  return { seed: raw.seed === undefined ? 1 : integer(raw.seed, 'seed', 0, 2 ** 32 - 1), rules: parsed };
}
