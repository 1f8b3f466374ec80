/**
 * The bodies of the node's run reports, checked field by field (the agent is not trusted): the start task's
 * (`POST /.batchite/nodes/{nodeId}/starttask`) and a job preparation or release task's (`…/jobtask`). Both
 * report one attempt of a run the same way; only the fields naming the run differ.
 */
import type { JobTaskReport, StartTaskReport } from '@batchite/protocol';
import { apiError } from '../http/api-error.js';
import { readPreProcessingError } from './pre-processing-error.js';

function invalid(name: string): never {
  throw apiError('InvalidPropertyValue', { values: [{ key: 'PropertyName', value: name }] });
}

function text(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  if (typeof value !== 'string' || value === '') invalid(name);
  return value;
}

/** What every run report says about its attempt. */
type Attempt = Pick<
  StartTaskReport,
  | 'state'
  | 'startTime'
  | 'endTime'
  | 'exitCode'
  | 'launchError'
  | 'preProcessingError'
  | 'retryCount'
  | 'final'
>;

/**
 * Checks the attempt's fields, with `identify` (the fields naming the run) checked after state and retry count,
 * so the first invalid property is the one named.
 */
function attemptReport<T extends object>(body: Record<string, unknown>, identify: () => T): T & Attempt {
  const state = body.state;
  if (state !== 'running' && state !== 'completed') invalid('state');
  const retryCount = body.retryCount ?? 0;
  if (typeof retryCount !== 'number' || !Number.isInteger(retryCount) || retryCount < 0)
    invalid('retryCount');
  const report: T & Attempt = {
    ...identify(),
    state,
    startTime: text(body, 'startTime'),
    retryCount,
  };
  if (state === 'running') return report;
  report.endTime = text(body, 'endTime');
  report.final = body.final === true;
  if (typeof body.exitCode === 'number' && Number.isInteger(body.exitCode)) report.exitCode = body.exitCode;
  const launchError = body.launchError as { code?: unknown; message?: unknown } | undefined;
  if (launchError !== undefined && launchError !== null) {
    const code =
      launchError.code === 'CommandProgramNotFound' ? 'CommandProgramNotFound' : 'CommandLaunchFailed';
    report.launchError = {
      code,
      message: typeof launchError.message === 'string' ? launchError.message : code,
    };
  }
  const preProcessingError = readPreProcessingError(body.preProcessingError);
  if (preProcessingError !== undefined) report.preProcessingError = preProcessingError;
  const neverStarted = report.launchError !== undefined || report.preProcessingError !== undefined;
  if (report.exitCode === undefined && !neverStarted) invalid('exitCode');
  return report;
}

export function toStartTaskReport(body: Record<string, unknown>): StartTaskReport {
  return attemptReport(body, () => ({ runId: text(body, 'runId') }));
}

export function toJobTaskReport(body: Record<string, unknown>): JobTaskReport {
  const kind = body.kind;
  if (kind !== 'jobPreparation' && kind !== 'jobRelease') invalid('kind');
  const report: JobTaskReport = attemptReport(body, () => ({ jobId: text(body, 'jobId'), kind }));
  if (report.state === 'completed' && body.killedBy === 'wallClock') report.killedBy = 'wallClock';
  return report;
}
