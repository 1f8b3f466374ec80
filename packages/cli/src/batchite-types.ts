/**
 * Shapes of Batchite's own JSON answers (`/.batchite/…`), as the CLI reads them. The `why` shapes are shared with
 * the server through @batchite/protocol.
 */

export type {
  JobExplanation,
  TaskExplanation,
  WaitGroup,
  WaitInfo,
  WaitOutlook,
  WaitReason,
} from '@batchite/protocol';

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
