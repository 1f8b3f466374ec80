/**
 * The node agent API under `/.batchite/` (docs/node-api.md). Not part of the Batch surface: one Fastify plugin
 * whose scopes each carry their own credential check, so a route's authentication is visible where it is declared:
 *
 *   join scope      register                     `BatchiteJoin <join token of the pool in the path>`
 *   node scope      claim, heartbeat, complete,  `BatchiteNode <nodeId>:<node token>` for the node in the path
 *                   leave
 *   operator scope  join-token                   Shared Key: the operator fetches a pool's join token
 */
import type { FastifyInstance, FastifyPluginCallback, FastifyRequest } from 'fastify';
import type { ClaimResponse, JoinTokenResponse, NodeUsersResponse, RunUsage } from '@batchite/protocol';
import { apiError } from '../http/api-error.js';
import type { Account } from '../http/authentication.js';
import { authenticate } from '../http/authentication.js';
import { readJson } from '../http/body.js';
import { baseUrl, header } from '../http/request-context.js';
import { toClaimedTask } from '../services/claimed-task.js';
import { recordJobTask } from '../services/job-task-service.js';
import { continueJobEnd } from '../services/job-end.js';
import { checkJoinToken, joinTokenFor } from '../services/node-credentials.js';
import { getPool } from '../services/pools-service.js';
import { recordStartTask, startTaskOrder } from '../services/start-task-service.js';
import { recordNodeUserResults } from '../services/node-users.js';
import {
  claimForNode,
  completeOnNode,
  heartbeat,
  type CompletionRequest,
  type RunningLease,
} from '../services/execution-service.js';
import {
  authenticateNode,
  registerNode,
  removeNodeFromPool,
  type RegisterRequest,
} from '../services/nodes-service.js';
import type { ServiceContext } from '../services/service-context.js';
import type { JobDoc, NodeDoc, PoolDoc, TaskDoc } from '../store/documents.js';
import { toJobTaskReport, toStartTaskReport } from './run-reports.js';
import { readPreProcessingError } from './pre-processing-error.js';
import { toNodeUserResults } from './node-user-reports.js';

interface NodePath {
  nodeId: string;
}

function objectBody(request: FastifyRequest): Record<string, unknown> {
  const body = readJson(request, false) ?? {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw apiError('InvalidRequestBody', { values: [{ key: 'Reason', value: 'Expected a JSON object.' }] });
  }
  return body as Record<string, unknown>;
}

function requireString(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  if (typeof value !== 'string' || value === '') {
    throw apiError('MissingRequiredProperty', { values: [{ key: 'PropertyName', value: name }] });
  }
  return value;
}

function optionalNumber(body: Record<string, unknown>, name: string): number | undefined {
  const value = body[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw apiError('InvalidPropertyValue', {
      values: [
        { key: 'PropertyName', value: name },
        { key: 'PropertyValue', value: JSON.stringify(value) ?? 'undefined' },
      ],
    });
  }
  return value;
}

function toRegisterRequest(body: Record<string, unknown>, request: FastifyRequest): RegisterRequest {
  const register: RegisterRequest = { hostname: requireString(body, 'hostname'), ipAddress: request.ip };
  if (typeof body.nodeId === 'string' && body.nodeId !== '') register.nodeId = body.nodeId;
  const slots = optionalNumber(body, 'slots');
  if (slots !== undefined) register.slots = Math.max(1, Math.floor(slots));
  if (typeof body.agentVersion === 'string') register.agentVersion = body.agentVersion;
  if (typeof body.fileUrl === 'string' && URL.canParse(body.fileUrl)) register.fileUrl = body.fileUrl;
  if (body.manageUsers === true) register.manageUsers = true;
  return register;
}

function toLeases(body: Record<string, unknown>): RunningLease[] {
  const running = body.running ?? [];
  if (!Array.isArray(running))
    throw apiError('InvalidPropertyValue', { values: [{ key: 'PropertyName', value: 'running' }] });
  return running.map((item: unknown) => {
    const entry = (item ?? {}) as Record<string, unknown>;
    return {
      jobId: requireString(entry, 'jobId'),
      taskId: requireString(entry, 'taskId'),
      leaseToken: requireString(entry, 'leaseToken'),
    };
  });
}

const RUN_USAGE_FIELDS = [
  'userCpuMs',
  'kernelCpuMs',
  'readBytes',
  'writeBytes',
  'readOps',
  'writeOps',
] as const satisfies readonly (keyof RunUsage)[];

/** A completion's `usage`: every counter a non-negative integer, or the report is refused. */
function readRunUsage(value: unknown): RunUsage {
  const entry = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const usage = {} as RunUsage;
  for (const field of RUN_USAGE_FIELDS) {
    const counter = entry[field];
    if (typeof counter !== 'number' || !Number.isSafeInteger(counter) || counter < 0) {
      throw apiError('InvalidPropertyValue', {
        values: [
          { key: 'PropertyName', value: `usage.${field}` },
          { key: 'Reason', value: 'Usage counters are non-negative integers.' },
        ],
      });
    }
    usage[field] = counter;
  }
  return usage;
}

function toCompletion(body: Record<string, unknown>): CompletionRequest {
  const report: CompletionRequest = {
    jobId: requireString(body, 'jobId'),
    taskId: requireString(body, 'taskId'),
    leaseToken: requireString(body, 'leaseToken'),
  };
  if (typeof body.startTime === 'string') report.startTime = body.startTime;
  if (typeof body.endTime === 'string') report.endTime = body.endTime;
  if (typeof body.exitCode === 'number' && Number.isInteger(body.exitCode)) report.exitCode = body.exitCode;
  const launchError = body.launchError as { code?: unknown; message?: unknown } | undefined;
  if (launchError !== undefined) {
    const code =
      launchError.code === 'CommandProgramNotFound' ? 'CommandProgramNotFound' : 'CommandLaunchFailed';
    report.launchError = {
      code,
      message: typeof launchError.message === 'string' ? launchError.message : code,
    };
  }
  const preProcessingError = readPreProcessingError(body.preProcessingError);
  if (preProcessingError !== undefined) report.preProcessingError = preProcessingError;
  const fileUploadError = readPreProcessingError(body.fileUploadError);
  if (fileUploadError !== undefined) report.fileUploadError = fileUploadError;
  if (body.killedBy === 'wallClock' || body.killedBy === 'terminate') report.killedBy = body.killedBy;
  if (body.usage !== undefined) report.usage = readRunUsage(body.usage);
  const neverStarted = report.launchError !== undefined || report.preProcessingError !== undefined;
  if (report.exitCode === undefined && !neverStarted) {
    throw apiError('MissingRequiredProperty', { values: [{ key: 'PropertyName', value: 'exitCode' }] });
  }
  return report;
}

export interface NodeApiOptions {
  context: ServiceContext;
  account: Account;
}

/** The node each node-scope request authenticated as (set by the scope's onRequest hook). */
const authenticated = new WeakMap<FastifyRequest, NodeDoc>();

function nodeOf(request: FastifyRequest): NodeDoc {
  const node = authenticated.get(request);
  if (node === undefined) throw new Error('node-scope route without its authentication hook');
  return node;
}

/** The node API plugin: register it with `app.register(nodeApiPlugin, { context, account })`. */
export const nodeApiPlugin: FastifyPluginCallback<NodeApiOptions> = (app, { context, account }, done) => {
  // Fault rule `nodeOffline`: the node's calls are dropped as if its network were cut, so its lease runs out.
  app.addHook('onRequest', async (request, reply) => {
    const nodeId = /^\/\.batchite\/nodes\/([^/]+)\//.exec(request.url)?.[1];
    if (nodeId === undefined || !context.faults.active) return;
    const current = await context.store.findNode(nodeId);
    if (
      context.faults.nodeOffline({ nodeId, ...(current === undefined ? {} : { poolId: current.poolId }) })
    ) {
      reply.hijack();
      request.raw.socket.destroy();
    }
  });
  void app.register((scope, _options, next) => {
    joinScope(scope, context, account);
    next();
  });
  void app.register((scope, _options, next) => {
    nodeScope(scope, context, account);
    next();
  });
  void app.register((scope, _options, next) => {
    operatorScope(scope, context, account);
    next();
  });
  done();
};

/** Register: only the join token of the pool in the path. */
function joinScope(app: FastifyInstance, context: ServiceContext, account: Account): void {
  app.addHook<{ Params: { poolId: string } }>('onRequest', (request, _reply, done) => {
    try {
      checkJoinToken(account, request.params.poolId, header(request, 'authorization'));
      done();
    } catch (error) {
      done(error as Error);
    }
  });

  app.post<{ Params: { poolId: string } }>('/.batchite/pools/:poolId/nodes/register', async (request) => {
    const { node: registered, token } = await registerNode(
      context,
      request.params.poolId,
      toRegisterRequest(objectBody(request), request),
    );
    const boot = registered.internal.startTask;
    const accountUrl = `${baseUrl(request)}/`;
    const pool = boot === undefined ? undefined : await context.store.getPool(registered.poolId);
    const startTask =
      boot === undefined || pool === undefined
        ? undefined
        : startTaskOrder(boot, pool, {
            accountName: context.accountName,
            accountUrl,
            storage: context.storage,
            nowMs: context.clock.now(),
          });
    return {
      nodeId: registered.entity.id,
      token,
      leaseMs: context.leases.leaseMs,
      heartbeatMs: context.leases.heartbeatMs,
      claimWaitMs: context.leases.claimWaitMs,
      accountName: context.accountName,
      accountUrl,
      poolId: registered.poolId,
      slots: registered.internal.slots,
      ...(registered.internal.fileToken === undefined ? {} : { fileToken: registered.internal.fileToken }),
      ...(startTask === undefined ? {} : { startTask }),
    };
  });
}

/** An operator (Batch credentials) fetches the join token of an existing pool for its remote agents. */
function operatorScope(app: FastifyInstance, context: ServiceContext, account: Account): void {
  app.addHook('onRequest', (request, _reply, done) => {
    try {
      authenticate(request, account, context.clock.now());
      done();
    } catch (error) {
      done(error as Error);
    }
  });
  app.get<{ Params: { poolId: string } }>(
    '/.batchite/pools/:poolId/join-token',
    async (request): Promise<JoinTokenResponse> => {
      const pool = await getPool(context, request.params.poolId);
      return { poolId: pool.entity.id, joinToken: joinTokenFor(account, pool.entity.id) };
    },
  );
}

/** The wire form of claimed tasks (claim answers and completion answers with `claimNext`). */
async function claimAnswer(
  context: ServiceContext,
  account: Account,
  request: FastifyRequest,
  node: NodeDoc,
  tasks: readonly TaskDoc[],
): Promise<ClaimResponse> {
  const jobs = new Map<string, JobDoc | undefined>();
  const pool: PoolDoc | undefined = tasks.length === 0 ? undefined : await context.store.getPool(node.poolId);
  const claimed = [];
  for (const task of tasks) {
    if (!jobs.has(task.jobId)) jobs.set(task.jobId, await context.store.getJob(task.jobId));
    claimed.push(
      toClaimedTask(task, jobs.get(task.jobId), context.faults, {
        accountName: context.accountName,
        accountUrl: `${baseUrl(request)}/`,
        userAccounts: pool?.entity.userAccounts ?? [],
        signing: account,
        nowMs: context.clock.now(),
        storage: context.storage,
      }),
    );
  }
  return { tasks: claimed, leaseExpiresAt: context.clock.now() + context.leases.leaseMs };
}

/** Work of one node: every route names the node in its path, and only that node's token is accepted. */
function nodeScope(app: FastifyInstance, context: ServiceContext, account: Account): void {
  app.addHook<{ Params: NodePath }>('onRequest', async (request) => {
    authenticated.set(
      request,
      await authenticateNode(context, request.params.nodeId, header(request, 'authorization')),
    );
  });

  app.post<{ Params: NodePath }>('/.batchite/nodes/:nodeId/claim', async (request) => {
    const current = nodeOf(request);
    const body = objectBody(request);
    // The long poll ends early when the agent hangs up or the server shuts down.
    const abort = new AbortController();
    const hangUp = () => abort.abort();
    request.socket.once('close', hangUp);
    const stop = AbortSignal.any([abort.signal, context.shutdown]);
    const tasks = await claimForNode(context, current, {
      freeSlots: optionalNumber(body, 'freeSlots') ?? current.internal.slots,
      waitMs: optionalNumber(body, 'waitMs') ?? 0,
      accountUrl: baseUrl(request),
      signal: stop,
    }).finally(() => request.socket.off('close', hangUp));
    return claimAnswer(context, account, request, current, tasks);
  });

  app.post<{ Params: NodePath }>('/.batchite/nodes/:nodeId/heartbeat', async (request) => {
    return heartbeat(context, nodeOf(request), toLeases(objectBody(request)), baseUrl(request));
  });

  // With `claimNext`, the slots the finished run frees are filled in the same exchange (no long poll): one
  // request per task instead of a completion and then a claim.
  app.post<{ Params: NodePath }>('/.batchite/nodes/:nodeId/complete', async (request) => {
    const current = nodeOf(request);
    const body = objectBody(request);
    const report = toCompletion(body);
    const claimNext = optionalNumber(body, 'claimNext') ?? 0;
    if (!(claimNext > 0))
      return { accepted: await completeOnNode(context, current, report, baseUrl(request)) };
    // The slot this run frees goes to this claim: waiting claims (this node's own long poll among them) are
    // woken only after it, or they would take the slot first and leave this answer empty.
    const accepted = await completeOnNode(context, current, report, baseUrl(request), { wakeWaiters: false });
    const tasks = await claimForNode(context, current, {
      freeSlots: claimNext,
      waitMs: 0,
      accountUrl: baseUrl(request),
    }).finally(() => context.work.notify());
    return { accepted, ...(await claimAnswer(context, account, request, current, tasks)) };
  });

  // One attempt of a job preparation or release task started or ended (docs/node-api.md).
  app.post<{ Params: NodePath }>('/.batchite/nodes/:nodeId/jobtask', async (request) => {
    const report = toJobTaskReport(objectBody(request));
    const done = (jobId: string) => continueJobEnd(context, jobId);
    return { accepted: await recordJobTask(context, nodeOf(request), report, baseUrl(request), done) };
  });

  // One attempt of the pool's start task started or ended (docs/node-api.md "Start task").
  app.post<{ Params: NodePath }>('/.batchite/nodes/:nodeId/starttask', async (request) => {
    const report = toStartTaskReport(objectBody(request));
    return { accepted: await recordStartTask(context, nodeOf(request), report) };
  });

  // Node user accounts: the agent hands in what it applied and long-polls for the next changes.
  app.post<{ Params: NodePath }>('/.batchite/nodes/:nodeId/users', async (request) => {
    const node = nodeOf(request);
    const body = objectBody(request);
    await recordNodeUserResults(context, node, toNodeUserResults(body.results));
    const waitMs = Math.min(optionalNumber(body, 'waitMs') ?? 0, context.leases.claimWaitMs);
    const abort = new AbortController();
    const hangUp = () => abort.abort();
    request.socket.once('close', hangUp);
    const stop = AbortSignal.any([abort.signal, context.shutdown]);
    const orders = await context.nodeUsers
      .take(node.entity.id, waitMs, stop)
      .finally(() => request.socket.off('close', hangUp));
    const answer: NodeUsersResponse = { orders };
    return answer;
  });

  app.post<{ Params: NodePath }>('/.batchite/nodes/:nodeId/leave', async (request, reply) => {
    await removeNodeFromPool(context, nodeOf(request));
    return reply.code(204).send();
  });
}
