/**
 * A job manager as real ones are written: a small Node program that reads AZ_BATCH_ACCOUNT_URL,
 * AZ_BATCH_JOB_ID and AZ_BATCH_AUTHENTICATION_TOKEN, adds the job's work tasks through the Batch REST API with
 * `Authorization: Bearer …`, and (unless told to leave at once) waits until they completed before it exits.
 * Written to a file the task runs with this Node binary (CommonJS, no dependencies, so any task user can run it).
 */
import { chmod, writeFile } from 'node:fs/promises';

const SCRIPT = String.raw`
const base = process.env.AZ_BATCH_ACCOUNT_URL.replace(/\/+$/, '');
const token = process.env.AZ_BATCH_AUTHENTICATION_TOKEN;
const jobId = process.env.AZ_BATCH_JOB_ID;
const [count, mode] = process.argv.slice(2);
const headers = { authorization: 'Bearer ' + token, 'content-type': 'application/json; odata=minimalmetadata' };
const url = (path) => base + '/jobs/' + encodeURIComponent(jobId) + path + '?api-version=2022-10-01.16.0';

async function call(method, path, body) {
  const response = await fetch(url(path), { method, headers, body: body && JSON.stringify(body) });
  const text = await response.text();
  if (response.status >= 300) throw new Error(method + ' ' + path + ': ' + response.status + ' ' + text);
  return text === '' ? undefined : JSON.parse(text);
}

async function main() {
  const ids = Array.from({ length: Number(count) }, (_, i) => 'work-' + i);
  const value = ids.map((id) => ({ id, commandLine: "/bin/sh -c 'echo " + id + "'" }));
  const added = await call('POST', '/addtaskcollection', { value });
  if (added.value.some((result) => result.status !== 'success')) throw new Error(JSON.stringify(added));
  console.log('manager added ' + ids.length + ' tasks');
  if (mode !== 'wait') return;
  for (;;) {
    const states = await Promise.all(ids.map((id) => call('GET', '/tasks/' + id)));
    if (states.every((task) => task.state === 'completed')) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  console.log('manager saw every task complete');
}

main().catch((error) => {
  console.error(String(error));
  process.exit(3);
});
`;

/** Writes the manager program to `path` (readable by every task user). */
export async function writeJobManagerScript(path: string): Promise<void> {
  await writeFile(path, SCRIPT);
  await chmod(path, 0o644);
}

/** The manager's command line: add `count` tasks (each echoes its id), then wait for them or leave. */
export function jobManagerCommand(script: string, count: number, mode: 'wait' | 'leave'): string {
  return `${process.execPath} ${script} ${count} ${mode}`;
}
