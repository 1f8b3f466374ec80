/**
 * Request bodies of the job schedule operations (Azure Batch REST reference: Job Schedule - Add / Patch /
 * Update). `jobSpecification` takes every property of a job add except its id, with the same rules;
 * `startWindow` and `recurrenceInterval` are at least one minute (Batch answers 400 below that).
 */
import { canonicalInstant } from '../datetime.js';
import { JOB_ADD_FIELDS } from './bodies.js';
import type { Check, Fields } from './schema.js';
import { duration, invalidProperty, obj, req, str, withCheck } from './schema.js';

const MINUTE_MS = 60_000;

const instant: Check = (value: string, path) =>
  canonicalInstant(value) === undefined
    ? invalidProperty(path, value, 'The value must be an ISO-8601 date-time such as 2025-01-31T12:00:00Z.')
    : undefined;

const schedule = obj({
  doNotRunUntil: withCheck(str(), instant),
  doNotRunAfter: withCheck(str(), instant),
  startWindow: duration({ minMs: MINUTE_MS }),
  recurrenceInterval: duration({ minMs: MINUTE_MS }),
});

const { id: _jobId, ...jobSpecificationFields } = JOB_ADD_FIELDS;
const jobSpecification = obj(jobSpecificationFields);

const metadata = JOB_ADD_FIELDS.metadata;
if (metadata === undefined) throw new Error('job add has no metadata rule');

export const JOB_SCHEDULE_ADD_FIELDS: Fields = {
  id: req(JOB_ADD_FIELDS.id ?? str()),
  displayName: str({ maxLength: 1024 }),
  schedule: req(schedule),
  jobSpecification: req(jobSpecification),
  metadata,
};

export const JOB_SCHEDULE_PATCH_FIELDS: Fields = { schedule, jobSpecification, metadata };

export const JOB_SCHEDULE_UPDATE_FIELDS: Fields = {
  schedule: req(schedule),
  jobSpecification: req(jobSpecification),
  metadata,
};
