// The dashboard API client: JSON reads, the two actions, and live updates.
// The API needs `Authorization: Bearer <dashboard token or account key>`; the credential is kept for this tab
// only (sessionStorage), never in a cookie, so no other site can make the browser send it.

const KEY_ITEM = 'batchite.dashboard.key';

export class AuthNeeded extends Error {
  constructor() {
    super('The dashboard API needs the dashboard token or the account key.');
  }
}

export class ApiProblem extends Error {
  constructor(status, code, message) {
    super(message || code || `HTTP ${status}`);
    this.status = status;
    this.code = code;
  }
}

export function setKey(key) {
  if (key) sessionStorage.setItem(KEY_ITEM, key);
  else sessionStorage.removeItem(KEY_ITEM);
}

function headers(extra = {}) {
  const key = sessionStorage.getItem(KEY_ITEM);
  return key ? { ...extra, authorization: `Bearer ${key}` } : extra;
}

export async function request(path, init = {}) {
  const response = await fetch(`/ui/api${path}`, { ...init, headers: headers(init.headers) });
  if (response.status === 401) throw new AuthNeeded();
  if (!response.ok) {
    const body = await response.json().catch(() => ({}));
    const text = typeof body.message === 'object' ? body.message?.value : body.message;
    // Batch error messages end with RequestId/Time lines; the first line is the message.
    throw new ApiProblem(response.status, body.code, String(text ?? '').split('\n')[0]);
  }
  return response;
}

export async function getJson(path) {
  return (await request(path)).json();
}

/** A dashboard action (terminate, reactivate); the header proves it came from the page. */
export async function postAction(path) {
  return (await request(path, { method: 'POST', headers: { 'x-batchite-ui': '1' } })).json();
}

/** A byte range of an output file: { size, start, bytes }. Without `start`, the tail. */
export async function readChunk(jobId, taskId, name, { start, length }) {
  const query = new URLSearchParams({ length: String(length) });
  if (start !== undefined) query.set('start', String(start));
  const path = `/jobs/${encodeURIComponent(jobId)}/tasks/${encodeURIComponent(taskId)}/files/${name}?${query}`;
  const response = await request(path);
  return {
    size: Number(response.headers.get('x-file-size')),
    start: Number(response.headers.get('x-range-start')),
    bytes: new Uint8Array(await response.arrayBuffer()),
  };
}

function parseEvents(buffer, onEvent) {
  let rest = buffer;
  let end;
  while ((end = rest.indexOf('\n\n')) !== -1) {
    const block = rest.slice(0, end);
    rest = rest.slice(end + 2);
    let name = 'message';
    let data = '';
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) name = line.slice(6).trim();
      else if (line.startsWith('data:')) data += line.slice(5).trim();
    }
    if (name === 'update') onEvent(data === '' ? {} : JSON.parse(data));
  }
  return rest;
}

/**
 * Server-Sent Events read with fetch (EventSource cannot send an Authorization header). Reconnects with
 * backoff; `onStatus` gets 'live', 'reconnecting' or 'auth'. Returns a function that stops listening.
 */
export function listen(onUpdate, onStatus) {
  const controller = new AbortController();
  let delay = 1000;
  const run = async () => {
    while (!controller.signal.aborted) {
      try {
        const response = await request('/events', {
          headers: { accept: 'text/event-stream' },
          signal: controller.signal,
        });
        onStatus('live');
        delay = 1000;
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer = parseEvents(buffer + value, onUpdate);
        }
      } catch (error) {
        if (controller.signal.aborted) return;
        if (error instanceof AuthNeeded) {
          onStatus('auth');
          return;
        }
      }
      onStatus('reconnecting');
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 15_000);
    }
  };
  void run();
  return () => controller.abort();
}
