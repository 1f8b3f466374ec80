/**
 * A job's preparation and release tasks as they are stored: checked (what Batchite cannot honour is refused,
 * naming the property) and with Batch's defaults filled in, so `GET /jobs/{id}` shows what will run.
 */
import {
  UNLIMITED_DURATION,
  idKey,
  type JobAddParameter,
  type JobPreparationTask,
  type JobReleaseTask,
} from '@batchite/protocol';
import { apiError, propertyValues } from '../http/api-error.js';
import type { ApiError } from '../http/api-error.js';
import type { JobDoc } from '../store/documents.js';
import { DEFAULT_RELEASE_WALL_CLOCK, prepIdOf, releaseIdOf } from './job-node-tasks.js';

/** Batch's default retention of a task's directory. */
const DEFAULT_RETENTION = 'P7D';

function refused(name: string, reason: string): ApiError {
  return apiError('InvalidPropertyValue', { values: propertyValues(name, undefined, reason) });
}

/** What Batchite cannot honour yet: 400 UnsupportedProperty naming it, as for other tasks. */
function unsupported(name: string, reason: string): ApiError {
  return apiError('UnsupportedProperty', { values: propertyValues(name, undefined, reason) });
}

function checkRunnable(name: string, spec: JobPreparationTask | JobReleaseTask): void {
  if (spec.containerSettings !== undefined) {
    throw unsupported(
      `${name}.containerSettings`,
      'No container runtime is configured on this Batchite server.',
    );
  }
}

/** The job's preparation and release tasks, checked and with their defaults; throws the Batch 400 otherwise. */
export function jobTaskSpecs(
  param: JobAddParameter,
  canonical: (duration: string | undefined, fallback: string) => string,
): Pick<JobAddParameter, 'jobPreparationTask' | 'jobReleaseTask'> {
  const prep = param.jobPreparationTask;
  const release = param.jobReleaseTask;
  if (release !== undefined && prep === undefined) {
    throw refused('jobReleaseTask', 'A job release task needs a job preparation task on the same job.');
  }
  if (prep === undefined) return {};
  checkRunnable('jobPreparationTask', prep);
  const jobPreparationTask: JobPreparationTask = {
    ...prep,
    id: prepIdOf(prep),
    constraints: {
      maxWallClockTime: canonical(prep.constraints?.maxWallClockTime, UNLIMITED_DURATION),
      retentionTime: canonical(prep.constraints?.retentionTime, DEFAULT_RETENTION),
      maxTaskRetryCount: prep.constraints?.maxTaskRetryCount ?? 0,
    },
    waitForSuccess: prep.waitForSuccess ?? true,
    rerunOnNodeRebootAfterSuccess: prep.rerunOnNodeRebootAfterSuccess ?? true,
  };
  if (release === undefined) return { jobPreparationTask };
  checkRunnable('jobReleaseTask', release);
  if (idKey(releaseIdOf(release)) === idKey(jobPreparationTask.id ?? '')) {
    throw refused(
      'jobReleaseTask.id',
      'The job release task needs an id other than the job preparation task.',
    );
  }
  const jobReleaseTask: JobReleaseTask = {
    ...release,
    id: releaseIdOf(release),
    maxWallClockTime: canonical(release.maxWallClockTime, DEFAULT_RELEASE_WALL_CLOCK),
    retentionTime: canonical(release.retentionTime, DEFAULT_RETENTION),
  };
  return { jobPreparationTask, jobReleaseTask };
}

/** 409 when a task of the job would take the id of its preparation or release task (Batch refuses it). */
export function taskIdConflict(job: JobDoc, taskId: string): ApiError | undefined {
  const prep = job.entity.jobPreparationTask;
  if (prep !== undefined && idKey(prepIdOf(prep)) === idKey(taskId)) {
    return apiError('TaskIdSameAsJobPreparationTask');
  }
  const release = job.entity.jobReleaseTask;
  if (release !== undefined && idKey(releaseIdOf(release)) === idKey(taskId)) {
    return apiError('TaskIdSameAsJobReleaseTask');
  }
  return undefined;
}
