import type { StartTaskReport } from '@batchite/protocol';
import { apiError } from '../http/api-error.js';

function invalid(name: string): never {
  throw apiError('InvalidPropertyValue', { values: [{ key: 'PropertyName', value: name }] });
}

function text(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  if (typeof value !== 'string' || value === '') invalid(name);
  return value;
}

/** The body of `POST /.batchite/nodes/{nodeId}/starttask`, checked field by field (the agent is not trusted). */
export function toStartTaskReport(body: Record<string, unknown>): StartTaskReport {
  const state = body.state;
  if (state !== 'running' && state !== 'completed') invalid('state');
  const retryCount = body.retryCount ?? 0;
  if (typeof retryCount !== 'number' || !Number.isInteger(retryCount) || retryCount < 0)
    invalid('retryCount');
  const report: StartTaskReport = {
    runId: text(body, 'runId'),
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
  if (report.exitCode === undefined && report.launchError === undefined) invalid('exitCode');
  return report;
}
