/** Wire shapes of the node agent API live in @batchite/protocol (shared with the server); re-exported here. */
export type {
  CancelOrder,
  CancelReason,
  ClaimedTask,
  ClaimRequest,
  ClaimResponse,
  CompleteRequest,
  CompleteResponse,
  CompletionReport,
  HeartbeatRequest,
  HeartbeatResponse,
  JobTaskOrder,
  JobTaskReport,
  LeaseRef,
  NodeRestartOrder,
  NodeUserOrder,
  NodeUserResult,
  NodeUsersResponse,
  RegisterRequest,
  RegisterResponse,
  StartTaskOrder,
  StartTaskReport,
  TaskRunAs,
} from '@batchite/protocol';

/** Version sent at register; the server shows it as `nodeAgentInfo.version`. */
export const AGENT_VERSION = '0.1.0';
