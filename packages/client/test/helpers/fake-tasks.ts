/**
 * An in-memory stand-in for the task endpoints of one job (add, add collection, get), with scripted faults:
 * a request-level fault per request (status, reset before processing, or "lose the response" after committing)
 * and an item-level fault per task of add-task-collection (`servererror`, nothing stored).
 */
import type { ServerResponse } from 'node:http';
import {
  dropConnection,
  sendError,
  sendJson,
  type Handler,
  type RecordedRequest,
} from './scripted-server.js';

export type RequestFault =
  | { kind: 'status'; status: number; code: string; headers?: Record<string, string> }
  /** Drop the connection before doing anything. */
  | { kind: 'reset' }
  /** Do the work, then drop the connection: the client never learns the outcome. */
  | { kind: 'lose' }
  /** Do the work and never answer (the client's attempt timeout fires). */
  | { kind: 'hang' };

export interface FakeTasksOptions {
  jobId: string;
  /** Decides a fault for the n-th request (0-based) of the given kind; undefined = behave. */
  requestFault?: (req: RecordedRequest, index: number) => RequestFault | undefined;
  /** True when this task of an add-task-collection request should come back `servererror`. */
  itemFault?: (taskId: string) => boolean;
}

export class FakeTasks {
  /** Stored tasks by lower-cased id. */
  readonly tasks = new Map<string, Record<string, unknown>>();
  /** How many times each id was stored (must stay 1: no duplicates). */
  readonly stores = new Map<string, number>();
  collectionRequests = 0;
  itemServerErrors = 0;
  #index = 0;

  constructor(readonly options: FakeTasksOptions) {}

  seed(task: Record<string, unknown>): void {
    this.tasks.set(String(task.id).toLowerCase(), { ...task, state: 'active', eTag: '0x1' });
  }

  readonly handler: Handler = (req, res) => {
    const index = this.#index++;
    const fault = this.options.requestFault?.(req, index);
    if (fault?.kind === 'reset') return dropConnection(res);
    if (fault?.kind === 'status') return sendError(res, fault.status, fault.code, { headers: fault.headers });
    const silent = fault?.kind === 'lose' || fault?.kind === 'hang';
    this.#route(req, silent ? undefined : res);
    if (fault?.kind === 'lose') dropConnection(res);
  };

  #route(req: RecordedRequest, res: ServerResponse | undefined): void {
    const base = `/jobs/${this.options.jobId}`;
    if (req.method === 'POST' && req.path === `${base}/tasks`)
      return this.#add(req.json as Record<string, unknown>, res);
    if (req.method === 'POST' && req.path === `${base}/addtaskcollection`)
      return this.#addCollection(req, res);
    if (req.method === 'GET' && req.path.startsWith(`${base}/tasks/`)) {
      const task = this.tasks.get(req.path.slice(`${base}/tasks/`.length).toLowerCase());
      if (!res) return;
      return task ? sendJson(res, 200, task, { etag: '0x1' }) : sendError(res, 404, 'TaskNotFound');
    }
    if (res) sendError(res, 400, 'InvalidUri');
  }

  #store(task: Record<string, unknown>): boolean {
    const key = String(task.id).toLowerCase();
    if (this.tasks.has(key)) return false;
    this.tasks.set(key, { ...task, state: 'active', eTag: '0x1', constraints: { maxTaskRetryCount: 0 } });
    this.stores.set(key, (this.stores.get(key) ?? 0) + 1);
    return true;
  }

  #add(task: Record<string, unknown>, res: ServerResponse | undefined): void {
    const created = this.#store(task);
    if (!res) return;
    if (created) sendJson(res, 201, undefined, { etag: '0x1', 'last-modified': new Date(0).toUTCString() });
    else sendError(res, 409, 'TaskExists');
  }

  #addCollection(req: RecordedRequest, res: ServerResponse | undefined): void {
    this.collectionRequests += 1;
    const tasks = ((req.json ?? {}) as { value?: Record<string, unknown>[] }).value ?? [];
    if (tasks.length > 100) {
      if (res) sendError(res, 400, 'InvalidPropertyValue');
      return;
    }
    const value = tasks.map((task) => {
      const taskId = String(task.id);
      if (this.options.itemFault?.(taskId)) {
        this.itemServerErrors += 1;
        const error = { code: 'InternalError', message: { lang: 'en-US', value: 'Please retry.' } };
        return { status: 'servererror', taskId, error };
      }
      if (this.#store(task)) return { status: 'success', taskId, eTag: '0x1' };
      const error = {
        code: 'TaskExists',
        message: { lang: 'en-US', value: 'The specified task already exists.' },
      };
      return { status: 'clienterror', taskId, error };
    });
    if (res) sendJson(res, 200, { value });
  }
}
