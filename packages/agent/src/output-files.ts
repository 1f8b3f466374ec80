/**
 * Uploads a finished run's output files to Azure Storage, as a Batch node does after the task process exits and
 * before the task completes (Batch docs, "Persist task data to Azure Storage with the Batch service API"):
 *
 *   condition  `taskSuccess` uploads after exit code 0, `taskFailure` after a non-zero one, `taskCompletion`
 *              after either; a run that never started its process uploads nothing
 *   match      `filePattern` in the task directory (output-file-match.ts); no match uploads nothing
 *   name       a literal file goes to the blob `path` (default: its file name); other matches keep their
 *              relative names under `path` as a virtual directory
 *   upload     one block blob per file with the official storage SDK, its retries off, inside the agent's
 *              `@batchite/retry` policy; a retried attempt uploads the whole file again (Put Blob replaces the
 *              blob, staged blocks of a failed attempt are never committed), so each blob ends up exactly once
 *   log        `fileuploadout.txt` (progress) and `fileuploaderr.txt` (errors) in the task directory, written
 *              whenever an upload was attempted
 *
 * Every output file is tried even after a failure; the first failure is the run's file upload error, with the
 * Batch code for it (`FileUploadContainerNotFound`, …). The SAS never appears in the logs or the error.
 */
import { appendFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AnonymousCredential, ContainerClient, type BlobHTTPHeaders } from '@azure/storage-blob';
import { statusOf, type RetryPolicy } from '@batchite/retry';
import {
  parseOutputFilePattern,
  uploadHeaderEffect,
  type OutputFile,
  type PreProcessingError,
} from '@batchite/protocol';
import { matchOutputFiles, type OutputMatch } from './output-file-match.js';

/** One storage request per attempt: the retry policy, not the SDK, decides about retries. */
const SDK_RETRIES_OFF = { retryOptions: { maxTries: 1 } } as const;

export const UPLOAD_LOG = 'fileuploadout.txt';
export const UPLOAD_ERROR_LOG = 'fileuploaderr.txt';

export interface UploadOptions {
  /** The task directory (holds `wd/`, `stdout.txt`, `stderr.txt`). */
  taskDir: string;
  /** The process's exit code. */
  exitCode: number;
  policy: RetryPolicy;
  signal: AbortSignal;
  /** Timestamps in the logs. */
  now: () => string;
}

/** True when `file` is to be uploaded after a process that ended with `exitCode`. */
export function uploadWanted(file: OutputFile, exitCode: number): boolean {
  const condition = file.uploadOptions.uploadCondition.toLowerCase();
  if (condition === 'taskcompletion') return true;
  return condition === 'tasksuccess' ? exitCode === 0 : exitCode !== 0;
}

/** The URL without its query string: the SAS is a secret. */
function withoutQuery(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}

/** The blob name of one match. */
function blobName(file: OutputFile, match: OutputMatch, singleFile: boolean): string {
  const path = file.destination.container?.path ?? '';
  if (singleFile) return path === '' ? match.name : path;
  const prefix = path.replace(/\/+$/, '');
  return prefix === '' ? match.name : `${prefix}/${match.name}`;
}

/** The blob properties and metadata the upload headers ask for. */
function headersOf(file: OutputFile): { headers: BlobHTTPHeaders; metadata: Record<string, string> } {
  const headers: BlobHTTPHeaders = {};
  const metadata: Record<string, string> = {};
  for (const header of file.destination.container?.uploadHeaders ?? []) {
    const effect = uploadHeaderEffect(header.name);
    if (effect === undefined) continue; // refused when the task was added
    if ('metadata' in effect) metadata[effect.metadata] = header.value ?? '';
    else headers[effect.property] = header.value ?? '';
  }
  return { headers, metadata };
}

function storageCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The error behind a retry give-up (the policy wraps the last one in a RetryError's `cause`). */
function unwrap(error: unknown): unknown {
  return (error as { name?: unknown; cause?: unknown }).name === 'RetryError'
    ? (error as { cause?: unknown }).cause
    : error;
}

/** A failed upload, as Batch names it. */
export function uploadFailure(containerUrl: string, filePath: string, thrown: unknown): PreProcessingError {
  const error = unwrap(thrown);
  const status = statusOf(error);
  const code = storageCode(error);
  const details = [
    { name: 'ContainerUrl', value: withoutQuery(containerUrl) },
    { name: 'FilePath', value: filePath },
  ];
  if (status !== undefined) details.push({ name: 'HttpStatusCode', value: String(status) });
  if (code !== undefined) details.push({ name: 'StorageErrorCode', value: code });
  const message = error instanceof Error ? error.message.split('\n')[0] : undefined;
  if (message !== undefined && message !== '') details.push({ name: 'Message', value: message });
  if (status === 404 && code === 'ContainerNotFound') {
    const text =
      'One of the specified Azure container(s) was not found while attempting to upload an output file';
    return { category: 'usererror', code: 'FileUploadContainerNotFound', message: text, details };
  }
  if (status === 401 || status === 403) {
    const text =
      'Access to one of the specified Azure container(s) was denied while uploading an output file';
    return { category: 'usererror', code: 'FileUploadContainerAccessDenied', message: text, details };
  }
  const text = 'Miscellaneous error encountered while uploading one of the output files';
  return {
    category: status === undefined ? 'servererror' : 'usererror',
    code: 'FileUploadMiscError',
    message: text,
    details,
  };
}

class UploadLog {
  constructor(
    private readonly taskDir: string,
    private readonly now: () => string,
  ) {}

  async start(): Promise<void> {
    await writeFile(join(this.taskDir, UPLOAD_LOG), '', { mode: 0o600 });
    await writeFile(join(this.taskDir, UPLOAD_ERROR_LOG), '', { mode: 0o600 });
  }

  out(line: string): Promise<void> {
    return appendFile(join(this.taskDir, UPLOAD_LOG), `${this.now()} ${line}\n`);
  }

  err(line: string): Promise<void> {
    return appendFile(join(this.taskDir, UPLOAD_ERROR_LOG), `${this.now()} ${line}\n`);
  }
}

async function uploadOne(
  container: ContainerClient,
  name: string,
  match: OutputMatch,
  file: OutputFile,
  o: UploadOptions,
): Promise<void> {
  const { headers, metadata } = headersOf(file);
  const blob = container.getBlockBlobClient(name);
  await o.policy.execute(
    async (ctx) => {
      await blob.uploadFile(match.path, {
        abortSignal: ctx.signal,
        blobHTTPHeaders: headers,
        metadata,
      });
    },
    { signal: o.signal, gateKey: new URL(container.url).host },
  );
}

/** Uploads one output file's matches; the first failure, or undefined. */
async function uploadOutput(
  file: OutputFile,
  log: UploadLog,
  o: UploadOptions,
): Promise<PreProcessingError | undefined> {
  const containerUrl = file.destination.container?.containerUrl ?? '';
  const pattern = parseOutputFilePattern(file.filePattern);
  if ('problem' in pattern) {
    await log.err(`pattern ${file.filePattern}: refused (${pattern.problem})`);
    return undefined;
  }
  const matched = await matchOutputFiles(o.taskDir, pattern);
  await log.out(
    `pattern ${file.filePattern}: ${matched.files.length} file(s) to ${withoutQuery(containerUrl)}`,
  );
  const container = new ContainerClient(containerUrl, new AnonymousCredential(), SDK_RETRIES_OFF);
  let failure: PreProcessingError | undefined;
  for (const match of matched.files) {
    const name = blobName(file, match, matched.singleFile);
    try {
      await uploadOne(container, name, match, file, o);
      await log.out(`uploaded ${match.name} to ${name}`);
    } catch (error) {
      if (o.signal.aborted) throw error;
      const failed = uploadFailure(containerUrl, match.name, error);
      await log.err(`upload of ${match.name} to ${name} failed: ${failed.code} ${failed.message}`);
      failure ??= failed;
    }
  }
  return failure;
}

/**
 * Uploads the output files whose condition the exit code meets; returns the first failure. Writes the upload
 * logs when at least one output file was due. Rejects only when `signal` aborted.
 */
export async function uploadOutputFiles(
  files: readonly OutputFile[],
  o: UploadOptions,
): Promise<PreProcessingError | undefined> {
  const due = files.filter((file) => uploadWanted(file, o.exitCode));
  if (due.length === 0) return undefined;
  const log = new UploadLog(o.taskDir, o.now);
  await log.start();
  let failure: PreProcessingError | undefined;
  for (const file of due) {
    const failed = await uploadOutput(file, log, o);
    failure ??= failed;
  }
  await log.out(failure === undefined ? 'all uploads done' : `uploads failed: ${failure.code}`);
  return failure;
}
