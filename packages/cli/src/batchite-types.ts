/**
 * Shapes of Batchite's own JSON answers (`/.batchite/…`), as the CLI reads them. Wait codes are a stable API of the
 * server (packages/server/src/services/why.ts); messages may change.
 */

export type WaitOutlook = 'will-resolve' | 'needs-action' | 'never';

export interface WaitReason {
  code: string;
  outlook: WaitOutlook;
  message: string;
  details?: Record<string, unknown>;
  action?: string;
}

export interface WaitInfo extends WaitReason {
  since?: string;
  evaluatedAt: string;
  blockers: WaitReason[];
  nextChangeAt?: string;
}

/** `GET /.batchite/jobs/{job}/tasks/{task}/why` */
export interface TaskExplanation {
  jobId: string;
  taskId: string;
  state: string;
  waitInfo?: WaitInfo;
  summary: string;
  retryCount: number;
  requeueCount: number;
}

export interface WaitGroup {
  code: string;
  outlook: WaitOutlook;
  count: number;
  example: string;
  taskIds: string[];
}

/** `GET /.batchite/jobs/{job}/why` */
export interface JobExplanation {
  jobId: string;
  state: string;
  counts: { active: number; running: number; completed: number; succeeded: number; failed: number };
  waiting: WaitGroup[];
  truncated: boolean;
  scanned: number;
}

export interface FaultRuleStatus {
  id: string;
  match?: Record<string, unknown>;
  probability?: number;
  count?: number;
  action: { type: string } & Record<string, unknown>;
  injected: number;
}

/** `GET /.batchite/faults` */
export interface FaultSnapshot {
  seed: number;
  rules: FaultRuleStatus[];
  totalInjected: number;
}
