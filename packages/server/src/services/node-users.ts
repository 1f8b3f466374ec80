/**
 * Compute Node - Add User, Update User and Delete User (Azure Batch REST reference). The server keeps each node
 * user's record on the node's document (name, isAdmin, expiryTime, whether a password or SSH key is set) and
 * hands the change to the node's agent, which applies it to the operating system (the agent's node-users.ts).
 * The call answers once the agent has applied it, so a 201 means the account exists on the node; the wait is
 * bounded by the request's timeout (at most 30 s, Batch's `timeout` rule), after which the answer is 500
 * `OperationTimedOut` and the order is still applied when the agent takes it.
 *
 * Refusals: the node must be in contact with its agent and not restarting (`NodeBeingRebooted`,
 * `NodeBeingReimaged`, else 409 `OperationNotValidOnNode`), and its agent must have declared that it can create
 * operating-system users (it runs as root): otherwise 409 `OperationNotValidOnNode` saying so.
 */
import type {
  ComputeNodeUser,
  NodeUpdateUserParameter,
  NodeUserOrder,
  NodeUserResult,
} from '@batchite/protocol';
import { apiError, propertyValues, type ApiError } from '../http/api-error.js';
import type { NodeDoc, NodeUserRecord } from '../store/documents.js';
import { getPool } from './pools-service.js';
import type { ServiceContext } from './service-context.js';

/** Every default of the node user operations. */
export const DEFAULT_NODE_USERS = Object.freeze({
  /** An account without expiryTime expires one day after the request (Batch's default). */
  expiryMs: 24 * 60 * 60 * 1000,
  /** Longest wait for the agent's result (Batch caps a request's `timeout` at 30 s). */
  maxWaitMs: 30_000,
});

/** States in which the node's agent is in contact and can apply a change. */
const USER_CHANGE_STATES: ReadonlySet<string> = new Set([
  'idle',
  'running',
  'starttaskfailed',
  'waitingforstarttask',
]);

function stateRefusal(node: NodeDoc): ApiError | undefined {
  const state = node.entity.state ?? 'unknown';
  if (state === 'rebooting') return apiError('NodeBeingRebooted');
  if (state === 'reimaging') return apiError('NodeBeingReimaged');
  if (!USER_CHANGE_STATES.has(state)) {
    return apiError('OperationNotValidOnNode', {
      message: `User accounts cannot be changed while the node is ${state}.`,
    });
  }
  if (node.internal.manageUsers !== true) {
    return apiError('OperationNotValidOnNode', {
      message:
        'The node’s agent cannot create operating-system users: it does not run as root (or has no useradd).',
    });
  }
  return undefined;
}

function findUser(node: NodeDoc, name: string): NodeUserRecord | undefined {
  return (node.internal.users ?? []).find((user) => user.name === name);
}

function withUsers(node: NodeDoc, users: NodeUserRecord[]): NodeDoc {
  return { ...node, internal: { ...node.internal, users } };
}

/** The expiry asked for, or one day from now; a past one is 400 InvalidPropertyValue. */
function expiryOf(context: ServiceContext, expiryTime: string | undefined): string {
  const now = context.clock.now();
  if (expiryTime === undefined) return new Date(now + DEFAULT_NODE_USERS.expiryMs).toISOString();
  const at = Date.parse(expiryTime);
  if (!(at > now)) {
    throw apiError('InvalidPropertyValue', {
      values: propertyValues('expiryTime', expiryTime, 'The expiry time must be in the future.'),
    });
  }
  return new Date(at).toISOString();
}

/** Checks the node and applies `change` to its document in one store mutation; throws the Batch error. */
async function mutateUsers(
  context: ServiceContext,
  poolId: string,
  nodeId: string,
  change: (node: NodeDoc) => { next?: NodeDoc; error?: ApiError },
): Promise<NodeDoc> {
  const pool = await getPool(context, poolId);
  const mutation = await context.store.mutateNode(pool.entity.id, nodeId, (current) => {
    const refused = stateRefusal(current);
    if (refused !== undefined) return { next: undefined, result: { error: refused, node: current } };
    const { next, error } = change(current);
    return { next, result: { error, node: next ?? current } };
  });
  if (mutation === undefined) throw apiError('NodeNotFound');
  if (mutation.result.error !== undefined) throw mutation.result.error;
  return mutation.result.node;
}

/** Hands the order to the node's agent and waits (bounded) for its result. */
async function applyOnNode(
  context: ServiceContext,
  node: NodeDoc,
  order: Omit<NodeUserOrder, 'orderId'>,
  waitMs: number,
): Promise<void> {
  const { result } = context.nodeUsers.enqueue({ poolId: node.poolId, nodeId: node.entity.id, order });
  const timer = new AbortController();
  const stop = AbortSignal.any([timer.signal, context.shutdown]);
  const timedOut = context.clock.sleep(Math.min(waitMs, DEFAULT_NODE_USERS.maxWaitMs), stop).then(
    () => undefined,
    () => undefined,
  );
  const answer = await Promise.race([result, timedOut]);
  timer.abort();
  if (answer === undefined) {
    throw apiError('OperationTimedOut', {
      message: `The node’s agent did not confirm the ${order.action} of user ${order.name} in time; it applies it when it takes the order.`,
    });
  }
  if (!answer.ok) throw resultError(answer);
}

function resultError(result: NodeUserResult): ApiError {
  const message = result.message ?? 'The node’s agent could not apply the change.';
  if (result.code === 'NodeUserExists') return apiError('NodeUserExists', { message });
  if (result.code === 'NodeUserNotFound') return apiError('NodeUserNotFound', { message });
  return apiError('OperationNotValidOnNode', { message });
}

function orderFields(
  expiryTime: string,
  body: { password?: string | undefined; sshPublicKey?: string | undefined },
) {
  return {
    expiryTime,
    ...(body.password === undefined ? {} : { password: body.password }),
    ...(body.sshPublicKey === undefined || body.sshPublicKey === ''
      ? {}
      : { sshPublicKey: body.sshPublicKey }),
  };
}

function recordFields(expiryTime: string, body: NodeUpdateUserParameter) {
  return {
    expiryTime,
    hasPassword: body.password !== undefined,
    hasSshPublicKey: body.sshPublicKey !== undefined && body.sshPublicKey !== '',
  };
}

export async function addNodeUser(
  context: ServiceContext,
  ids: { poolId: string; nodeId: string },
  user: ComputeNodeUser,
  waitMs: number,
): Promise<void> {
  const expiryTime = expiryOf(context, user.expiryTime);
  const isAdmin = user.isAdmin === true;
  const record: NodeUserRecord = {
    name: user.name,
    isAdmin,
    ...recordFields(expiryTime, user),
    status: 'adding',
  };
  const node = await mutateUsers(context, ids.poolId, ids.nodeId, (current) =>
    findUser(current, user.name) === undefined
      ? { next: withUsers(current, [...(current.internal.users ?? []), record]) }
      : { error: apiError('NodeUserExists') },
  );
  const order = { action: 'add' as const, name: user.name, isAdmin, ...orderFields(expiryTime, user) };
  await applyOnNode(context, node, order, waitMs);
}

export async function updateNodeUser(
  context: ServiceContext,
  ids: { poolId: string; nodeId: string; userName: string },
  body: NodeUpdateUserParameter,
  waitMs: number,
): Promise<void> {
  const expiryTime = expiryOf(context, body.expiryTime);
  const node = await mutateUsers(context, ids.poolId, ids.nodeId, (current) =>
    findUser(current, ids.userName) === undefined ? { error: apiError('NodeUserNotFound') } : {},
  );
  const order = { action: 'update' as const, name: ids.userName, ...orderFields(expiryTime, body) };
  await applyOnNode(context, node, order, waitMs);
}

export async function deleteNodeUser(
  context: ServiceContext,
  ids: { poolId: string; nodeId: string; userName: string },
  waitMs: number,
): Promise<void> {
  const node = await mutateUsers(context, ids.poolId, ids.nodeId, (current) =>
    findUser(current, ids.userName) === undefined ? { error: apiError('NodeUserNotFound') } : {},
  );
  await applyOnNode(context, node, { action: 'delete', name: ids.userName }, waitMs);
}

/** The node's record after the agent's result for `order` (undefined: unchanged). */
function recordAfter(
  current: NodeUserRecord[],
  order: Omit<NodeUserOrder, 'orderId'>,
  ok: boolean,
): NodeUserRecord[] | undefined {
  const others = current.filter((user) => user.name !== order.name);
  const existing = current.find((user) => user.name === order.name);
  if (order.action === 'delete') return ok ? others : undefined;
  if (order.action === 'add') {
    if (existing?.status !== 'adding') return undefined;
    return ok ? [...others, { ...existing, status: 'present' }] : others;
  }
  if (!ok || existing === undefined) return undefined;
  const fields = recordFields(order.expiryTime ?? existing.expiryTime, order);
  return [...others, { ...existing, ...fields, status: 'present' }];
}

/** Records the agent's results on the node's document, then answers the Batch calls that wait for them. */
export async function recordNodeUserResults(
  context: ServiceContext,
  node: NodeDoc,
  results: readonly NodeUserResult[],
): Promise<void> {
  for (const result of results) {
    const pending = context.nodeUsers.pending(result.orderId);
    if (pending === undefined || pending.nodeId.toLowerCase() !== node.entity.id.toLowerCase()) continue;
    await context.store.mutateNode(node.poolId, node.entity.id, (current) => {
      const users = recordAfter(current.internal.users ?? [], pending.order, result.ok);
      return { next: users === undefined ? undefined : withUsers(current, users), result: undefined };
    });
    context.nodeUsers.settle(result);
  }
}
