/**
 * Decides, event by event, whether a fault rule fires. One seeded random stream per rule set, so the same seed
 * and the same traffic give the same faults. Counts every injection (admin API and metrics).
 */
import type { Clock, Random } from '@batchite/retry';
import { seededRandom } from '@batchite/retry';
import {
  BATCH_ACTIONS,
  parseFaultRule,
  type BatchFaultAction,
  type FaultMatch,
  type FaultRule,
  type FaultRuleSet,
  type HttpFaultAction,
} from './fault-rules.js';

export interface FaultTarget {
  method?: string;
  /** Route template as the router knows it, e.g. `/jobs/:jobId/tasks`. */
  route?: string;
  poolId?: string;
  jobId?: string;
  taskId?: string;
  nodeId?: string;
}

export interface RuleStatus extends FaultRule {
  injected: number;
}

/** `/jobs/:jobId/files/*` and `/jobs/{jobId}/files/{filePath}` both become `/jobs/{}/files/{}`. */
export function canonicalRoute(template: string): string {
  return template
    .replace(/\{[^}]*\}/g, '{}')
    .replace(/:[A-Za-z0-9_]+/g, '{}')
    .replace(/\*/g, '{}')
    .replace(/\/+$/, '')
    .toLowerCase();
}

function sameId(expected: string | undefined, actual: string | undefined): boolean {
  return expected === undefined || (actual !== undefined && expected.toLowerCase() === actual.toLowerCase());
}

function matches(match: FaultMatch, target: FaultTarget): boolean {
  if (match.method !== undefined && match.method.toUpperCase() !== target.method?.toUpperCase()) return false;
  if (
    match.path !== undefined &&
    (target.route === undefined || canonicalRoute(match.path) !== canonicalRoute(target.route))
  ) {
    return false;
  }
  return (
    sameId(match.poolId, target.poolId) &&
    sameId(match.jobId, target.jobId) &&
    sameId(match.taskId, target.taskId) &&
    sameId(match.nodeId, target.nodeId)
  );
}

function isBatchLevel(rule: FaultRule): boolean {
  return (BATCH_ACTIONS as readonly string[]).includes(rule.action.type);
}

export class FaultEngine {
  private seed = 1;
  private rules: RuleStatus[] = [];
  private random: Random = seededRandom(1);
  private nextId = 1;
  /** Nodes taken offline by a rule, until when (ms). */
  private readonly offlineUntil = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    private readonly onInjected: (rule: FaultRule) => void = () => undefined,
  ) {}

  replace(set: FaultRuleSet): void {
    this.seed = set.seed;
    this.random = seededRandom(set.seed);
    this.rules = set.rules.map((rule) => ({ ...rule, injected: 0 }));
    this.offlineUntil.clear();
  }

  add(value: unknown): RuleStatus {
    let id = `rule-${this.nextId++}`;
    while (this.rules.some((rule) => rule.id === id)) id = `rule-${this.nextId++}`;
    const rule = { ...parseFaultRule(value, id), injected: 0 };
    const existing = this.rules.findIndex((entry) => entry.id === rule.id);
    if (existing === -1) this.rules.push(rule);
    else this.rules[existing] = rule;
    return rule;
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((rule) => rule.id !== id);
    return this.rules.length !== before;
  }

  clear(): void {
    this.rules = [];
    this.offlineUntil.clear();
  }

  snapshot(): { seed: number; rules: RuleStatus[]; totalInjected: number } {
    const rules = this.rules.map((rule) => ({ ...rule }));
    return { seed: this.seed, rules, totalInjected: rules.reduce((sum, rule) => sum + rule.injected, 0) };
  }

  get active(): boolean {
    return this.rules.length > 0;
  }

  /** The first rule of the given kind that matches and fires for this event. */
  private fire(target: FaultTarget, accept: (rule: FaultRule) => boolean): RuleStatus | undefined {
    for (const rule of this.rules) {
      if (!accept(rule) || !matches(rule.match, target)) continue;
      if (rule.count !== undefined && rule.injected >= rule.count) continue;
      if (rule.probability < 1 && this.random() >= rule.probability) continue;
      rule.injected++;
      this.onInjected(rule);
      return rule;
    }
    return undefined;
  }

  /** An HTTP fault for a Batch request, if one fires. */
  http(target: FaultTarget): HttpFaultAction | undefined {
    return this.fire(target, (rule) => !isBatchLevel(rule))?.action as HttpFaultAction | undefined;
  }

  /** Whether a rule kills this running task now (checked at each heartbeat of its node). */
  killTask(target: FaultTarget): boolean {
    return this.fire(target, (rule) => rule.action.type === 'killTask') !== undefined;
  }

  /** Whether the node is (or is now taken) offline: its heartbeats and claims are dropped until the time passes. */
  nodeOffline(target: FaultTarget): boolean {
    const nodeId = target.nodeId ?? '';
    const until = this.offlineUntil.get(nodeId);
    if (until !== undefined && until > this.clock.now()) return true;
    const rule = this.fire(target, (candidate) => candidate.action.type === 'nodeOffline');
    if (rule === undefined) return false;
    this.offlineUntil.set(
      nodeId,
      this.clock.now() + (rule.action as Extract<BatchFaultAction, { type: 'nodeOffline' }>).ms,
    );
    return true;
  }

  /** The exit code a rule imposes on this run (`attempt` counts every run of the task from 1). */
  exitCodeFor(target: FaultTarget, attempt: number): number | undefined {
    const rule = this.fire(
      target,
      (candidate) => candidate.action.type === 'exitCode' && candidate.action.attempt === attempt,
    );
    return rule === undefined
      ? undefined
      : (rule.action as Extract<BatchFaultAction, { type: 'exitCode' }>).exitCode;
  }
}
