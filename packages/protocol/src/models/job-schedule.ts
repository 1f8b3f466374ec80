/** Job schedule wire models (Azure Batch REST reference: Job Schedule - Add / Get / Patch / Update). */
import type { DateTimeString, DurationString, MetadataItem } from './common.js';
import type { JobScheduleState } from './enums.js';
import type { JobAddParameter, JobStatistics } from './job.js';

/** When and how often the schedule creates jobs. Every property is optional. */
export interface Schedule {
  /** No job is created before this time (default: as soon as the schedule exists). */
  doNotRunUntil?: DateTimeString;
  /** No job is created after this time; the schedule completes once its last job ends. */
  doNotRunAfter?: DateTimeString;
  /** A job that cannot be created within this interval of its due time is skipped (≥ 1 minute). */
  startWindow?: DurationString;
  /** Interval between job creations (≥ 1 minute); absent = one job only. */
  recurrenceInterval?: DurationString;
}

/** The job each run creates: every property of a job add except its id. */
export type JobSpecification = Omit<JobAddParameter, 'id'>;

export interface RecentJob {
  id?: string;
  url?: string;
}

export interface JobScheduleExecutionInformation {
  nextRunTime?: DateTimeString;
  recentJob?: RecentJob;
  endTime?: DateTimeString;
}

export interface CloudJobSchedule {
  id?: string;
  displayName?: string;
  url?: string;
  eTag?: string;
  lastModified?: DateTimeString;
  creationTime?: DateTimeString;
  state?: JobScheduleState;
  stateTransitionTime?: DateTimeString;
  previousState?: JobScheduleState;
  previousStateTransitionTime?: DateTimeString;
  schedule?: Schedule;
  jobSpecification?: JobSpecification;
  executionInfo?: JobScheduleExecutionInformation;
  metadata?: MetadataItem[];
  /** With `$expand=stats`: the runs of all the schedule's jobs (JobScheduleStatistics has JobStatistics' shape). */
  stats?: JobStatistics;
}

/** Body of POST /jobschedules. */
export interface JobScheduleAddParameter {
  id: string;
  displayName?: string;
  schedule: Schedule;
  jobSpecification: JobSpecification;
  metadata?: MetadataItem[];
}

/** Body of PATCH /jobschedules/{id}: omitted properties stay unchanged. */
export interface JobSchedulePatchParameter {
  schedule?: Schedule;
  jobSpecification?: JobSpecification;
  metadata?: MetadataItem[];
}

/** Body of PUT /jobschedules/{id}: a full replace; omitted metadata is cleared. */
export interface JobScheduleUpdateParameter {
  schedule: Schedule;
  jobSpecification: JobSpecification;
  metadata?: MetadataItem[];
}
