/**
 * Downloads a run's resource files into its working directory before the command starts, as a Batch node does
 * (Batch REST API reference, ResourceFile): `httpUrl` to `filePath`; `storageContainerUrl` lists the container
 * (only blobs starting with `blobPrefix`) and writes each blob under `filePath` with its full blob name as the
 * relative path. Mode `fileMode` (octal), default 0770; files owned by the task's user.
 *
 * The official storage SDK talks to the container with its own retries off; every request (each list page,
 * each download) runs inside the agent's `@batchite/retry` policy, so resets, 5xx and 503 with Retry-After are
 * retried there, within the policy's attempts and deadline. A permanent failure becomes the task's
 * pre-processing error: the Batch failure codes (`BlobAccessDenied`, `ResourceContainerAccessDenied`, …).
 */
import { Readable } from 'node:stream';
import { AnonymousCredential, ContainerClient } from '@azure/storage-blob';
import { statusOf, type RetryPolicy } from '@batchite/retry';
import type { PreProcessingError, ResourceFileOrder } from '@batchite/protocol';
import { EscapingPathError, targetPath, writeResourceFile, type FileOwner } from './resource-file-writer.js';

/** Batch's mode for a resource file on a Linux node when the task gives none. */
const DEFAULT_FILE_MODE = 0o770;

/** File-system errors that mean the target cannot be created (a clash with another resource file's path). */
const FILE_CREATE_ERRORS = new Set(['EEXIST', 'ENOTDIR', 'EISDIR', 'ELOOP', 'EACCES', 'EPERM']);

/** One storage request per attempt: the retry policy, not the SDK, decides about retries. */
const SDK_RETRIES_OFF = { retryOptions: { maxTries: 1 } } as const;

export interface DownloadOptions {
  workingDir: string;
  owner?: FileOwner | undefined;
  policy: RetryPolicy;
  /** Aborted when the run is killed while it downloads. */
  signal: AbortSignal;
}

/** A permanent failure with the Batch code it stands for. */
class ResourceFileFailure extends Error {
  constructor(readonly failure: PreProcessingError) {
    super(failure.message);
  }
}

/** The URL without its query string: the SAS is a secret and never goes into failure details. */
function withoutQuery(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}

function storageCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function detailsOf(source: string, error: unknown, filePath?: string): { name: string; value: string }[] {
  const details = [{ name: 'Source', value: withoutQuery(source) }];
  if (filePath !== undefined) details.push({ name: 'FilePath', value: filePath });
  const status = statusOf(error);
  if (status !== undefined) details.push({ name: 'HttpStatusCode', value: String(status) });
  const code = storageCode(error);
  if (code !== undefined) details.push({ name: 'StorageErrorCode', value: code });
  const message = error instanceof Error ? error.message.split('\n')[0] : undefined;
  if (message !== undefined && message !== '') details.push({ name: 'Message', value: message });
  return details;
}

/** A failed blob or file download, as Batch names it. */
function downloadFailure(source: string, filePath: string, thrown: unknown): PreProcessingError {
  if (thrown instanceof ResourceFileFailure) return thrown.failure;
  const error = unwrap(thrown);
  const details = detailsOf(source, error, filePath);
  if (error instanceof EscapingPathError) {
    const message = `The resource file path ${error.relativePath} is outside the task's working directory`;
    return { category: 'usererror', code: 'ResourceFileCreateFailed', message, details };
  }
  const status = statusOf(error);
  if (status === 401 || status === 403) {
    const message = 'Access for one of the specified Azure Blob(s) is denied';
    return { category: 'usererror', code: 'BlobAccessDenied', message, details };
  }
  if (status === 404) {
    const message = 'One of the specified Azure Blob(s) is not found';
    return { category: 'usererror', code: 'BlobNotFound', message, details };
  }
  const fsCode = storageCode(error);
  if (status === undefined && fsCode !== undefined && /^E(NOSPC|DQUOT)$/.test(fsCode)) {
    return { category: 'servererror', code: 'DiskFull', message: 'There is not enough disk space', details };
  }
  if (status === undefined && fsCode !== undefined && FILE_CREATE_ERRORS.has(fsCode)) {
    const message = 'The resource file could not be created in the working directory';
    return { category: 'usererror', code: 'ResourceFileCreateFailed', message, details };
  }
  const message = 'Miscellaneous error encountered while downloading one of the specified Azure Blob(s)';
  return { category: 'servererror', code: 'BlobDownloadMiscError', message, details };
}

/** A failed container listing, as Batch names it. */
function listFailure(source: string, thrown: unknown): PreProcessingError {
  const error = unwrap(thrown);
  const details = detailsOf(source, error);
  const status = statusOf(error);
  if (status === 401 || status === 403) {
    const message = 'Access for one of the specified Azure Blob container(s) is denied';
    return { category: 'usererror', code: 'ResourceContainerAccessDenied', message, details };
  }
  const message =
    'Miscellaneous error encountered while listing one of the specified Azure Blob container(s)';
  return {
    category: status === 404 ? 'usererror' : 'servererror',
    code: 'ResourceContainerListMiscError',
    message,
    details,
  };
}

function modeOf(order: ResourceFileOrder): number {
  return order.fileMode === undefined ? DEFAULT_FILE_MODE : Number.parseInt(order.fileMode, 8);
}

async function downloadHttp(
  order: ResourceFileOrder & { httpUrl: string },
  o: DownloadOptions,
): Promise<void> {
  const filePath = order.filePath ?? '';
  const target = targetPath(o.workingDir, filePath);
  await o.policy.execute(
    async (ctx) => {
      const response = await fetch(order.httpUrl, { signal: ctx.signal });
      if (!response.ok || response.body === null) {
        await response.body?.cancel();
        throw Object.assign(new Error(`GET answered ${response.status} ${response.statusText}`), {
          statusCode: response.status,
          headers: response.headers,
        });
      }
      await writeResourceFile(o.workingDir, target, Readable.fromWeb(response.body), modeOf(order), o.owner);
    },
    { signal: o.signal, gateKey: new URL(order.httpUrl).host },
  );
}

async function listBlobs(
  container: ContainerClient,
  prefix: string | undefined,
  o: DownloadOptions,
): Promise<string[]> {
  const names: string[] = [];
  let continuationToken: string | undefined;
  do {
    const page = await o.policy.execute(
      async (ctx) => {
        const pages = container
          .listBlobsFlat({ abortSignal: ctx.signal, ...(prefix === undefined ? {} : { prefix }) })
          .byPage(continuationToken === undefined ? {} : { continuationToken });
        const next = await pages.next();
        return next.done === true ? undefined : next.value;
      },
      { signal: o.signal, gateKey: new URL(container.url).host },
    );
    for (const blob of page?.segment.blobItems ?? []) names.push(blob.name);
    continuationToken = page?.continuationToken === '' ? undefined : page?.continuationToken;
  } while (continuationToken !== undefined);
  return names;
}

async function downloadContainer(
  order: ResourceFileOrder & { storageContainerUrl: string },
  o: DownloadOptions,
): Promise<void> {
  const source = order.storageContainerUrl;
  const container = new ContainerClient(source, new AnonymousCredential(), SDK_RETRIES_OFF);
  let names: string[];
  try {
    names = await listBlobs(container, order.blobPrefix, o);
  } catch (error) {
    throw new ResourceFileFailure(listFailure(source, error));
  }
  const base = order.filePath ?? '';
  for (const name of names) {
    const filePath = base === '' ? name : `${base.replace(/[\\/]+$/, '')}/${name}`;
    const blob = container.getBlobClient(name);
    try {
      const target = targetPath(o.workingDir, filePath);
      await o.policy.execute(
        async (ctx) => {
          const response = await blob.download(0, undefined, { abortSignal: ctx.signal });
          const body = response.readableStreamBody;
          if (body === undefined) throw new Error('The blob download returned no body');
          await writeResourceFile(o.workingDir, target, Readable.from(body), modeOf(order), o.owner);
        },
        { signal: o.signal, gateKey: new URL(container.url).host },
      );
    } catch (error) {
      throw new ResourceFileFailure(downloadFailure(blob.url, filePath, error));
    }
  }
}

/**
 * Downloads every resource file in order; the first permanent failure stops the downloads and is returned
 * (the run then fails without starting its command). Rejects only when `signal` aborted.
 */
export async function downloadResourceFiles(
  orders: readonly ResourceFileOrder[],
  o: DownloadOptions,
): Promise<PreProcessingError | undefined> {
  for (const order of orders) {
    if (order.failure !== undefined) return order.failure;
    try {
      if (order.httpUrl !== undefined) await downloadHttp({ ...order, httpUrl: order.httpUrl }, o);
      else if (order.storageContainerUrl !== undefined)
        await downloadContainer({ ...order, storageContainerUrl: order.storageContainerUrl }, o);
    } catch (error) {
      if (o.signal.aborted) throw error;
      const source = order.httpUrl ?? order.storageContainerUrl ?? '';
      return downloadFailure(source, order.filePath ?? '', error);
    }
  }
  return undefined;
}

/** The error behind a retry give-up (the policy wraps the last one in a RetryError's `cause`). */
function unwrap(error: unknown): unknown {
  return (error as { name?: unknown; cause?: unknown }).name === 'RetryError'
    ? (error as { cause?: unknown }).cause
    : error;
}
