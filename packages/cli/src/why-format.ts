/**
 * Human rendering of the scheduler's explanations: the headline (code, outlook, message, since), the other
 * blockers, details, and the suggested command last (the most important line goes last, per clig.dev).
 */
import type { JobExplanation, TaskExplanation, WaitOutlook } from './batchite-types.js';
import { ago, shortTime } from './output.js';
import type { Style } from './style.js';

export function outlookText(style: Style, outlook: WaitOutlook): string {
  switch (outlook) {
    case 'never':
      return style.red('never runs as configured');
    case 'needs-action':
      return style.yellow('needs action');
    case 'will-resolve':
      return style.green('will resolve by itself');
  }
}

function detailLines(details: Record<string, unknown> | undefined): string[] {
  if (details === undefined) return [];
  return Object.entries(details)
    .filter(([, value]) => !(Array.isArray(value) && value.length === 0))
    .map(([key, value]) => `  ${key}: ${Array.isArray(value) ? value.join(', ') : JSON.stringify(value)}`);
}

/** `batchite why JOB TASK`. */
export function renderTaskWhy(explanation: TaskExplanation, style: Style, nowMs = Date.now()): string[] {
  const name = `Task ${explanation.taskId} of job ${explanation.jobId}`;
  const counts = `Runs so far: retries ${explanation.retryCount}, requeues ${explanation.requeueCount}.`;
  const wait = explanation.waitInfo;
  if (wait === undefined) return [`${name} is ${explanation.state}: ${explanation.summary}`, counts];
  const since = wait.since === undefined ? '' : `; since ${shortTime(wait.since)}, ${ago(wait.since, nowMs)}`;
  const lines = [
    `${name} is waiting: ${style.bold(wait.code)} (${outlookText(style, wait.outlook)}${since})`,
    `  ${wait.message}`,
  ];
  const others = wait.blockers.slice(1);
  if (others.length > 0) {
    lines.push('Also blocking:');
    for (const blocker of others) lines.push(`  ${style.bold(blocker.code)}: ${blocker.message}`);
  }
  const details = detailLines(wait.details);
  if (details.length > 0) lines.push('Details:', ...details);
  lines.push(counts);
  if (wait.nextChangeAt !== undefined) lines.push(`Changes by itself at ${shortTime(wait.nextChangeAt)}.`);
  const action = wait.action ?? wait.blockers.find((blocker) => blocker.action !== undefined)?.action;
  if (action !== undefined) lines.push(`To fix: ${style.cyan(action)}`);
  return lines;
}

/** `42 waiting: 30 NodesBusy, 10 WaitingOnDependencies, 2 DependencyFailed (never)`, or undefined. */
export function waitingSummary(explanation: JobExplanation, style: Style): string | undefined {
  if (explanation.waiting.length === 0) return undefined;
  const total = explanation.waiting.reduce((sum, group) => sum + group.count, 0);
  const parts = explanation.waiting.map((group) => {
    const tag = group.outlook === 'never' ? ` ${style.red('(never)')}` : '';
    return `${group.count} ${group.code}${tag}`;
  });
  return `${total} waiting: ${parts.join(', ')}${explanation.truncated ? ` (first ${explanation.scanned} examined)` : ''}`;
}

/** `batchite why JOB`: counts, then the reason histogram with an example message and task ids per code. */
export function renderJobWhy(explanation: JobExplanation, style: Style): string[] {
  const c = explanation.counts;
  const lines = [
    `Job ${explanation.jobId} is ${explanation.state}: ${c.active} active, ${c.running} running, ${c.completed} completed (${c.succeeded} succeeded, ${c.failed} failed)`,
  ];
  const summary = waitingSummary(explanation, style);
  if (summary === undefined) {
    lines.push(c.active === 0 ? 'No task is waiting.' : 'Waiting tasks were not evaluated yet.');
    return lines;
  }
  lines.push(summary);
  for (const group of explanation.waiting) {
    const more = group.count > group.taskIds.length ? ', …' : '';
    lines.push(
      `  ${style.bold(String(group.count).padStart(5))} ${style.bold(group.code)} (${outlookText(style, group.outlook)})`,
      `        e.g. ${group.example}`,
      `        tasks: ${group.taskIds.join(', ')}${more}`,
    );
  }
  const first = explanation.waiting[0]?.taskIds[0];
  if (first !== undefined)
    lines.push(
      `For one task's blockers and what to do: ${style.cyan(`batchite why ${explanation.jobId} ${first}`)}`,
    );
  return lines;
}

/**
 * The primary wait code of each active task from one job-wide answer. The answer lists at most a few ids per code;
 * a task it does not list gets the code only when there is a single one (otherwise `?`).
 */
export function reasonLookup(explanation: JobExplanation | undefined): (taskId: string) => string {
  const byTask = new Map<string, string>();
  for (const group of explanation?.waiting ?? []) for (const id of group.taskIds) byTask.set(id, group.code);
  const only = explanation?.waiting.length === 1 ? explanation.waiting[0]!.code : undefined;
  return (taskId) => byTask.get(taskId) ?? only ?? '?';
}
