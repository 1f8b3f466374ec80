/**
 * The `uploadHeaders` of an output file's container destination that Batchite applies to the uploaded blobs.
 * Batch passes them to Put Blob (Azure Storage REST reference, "Put Blob", request headers for all blob types):
 * the blob's content properties, in their plain or `x-ms-blob-` form, and `x-ms-meta-<name>` metadata. Other
 * headers are refused when the task is added rather than dropped.
 */

/** The blob HTTP property a header sets, by lower-case header name. */
export const OUTPUT_UPLOAD_HEADERS = Object.freeze({
  'content-type': 'blobContentType',
  'x-ms-blob-content-type': 'blobContentType',
  'content-encoding': 'blobContentEncoding',
  'x-ms-blob-content-encoding': 'blobContentEncoding',
  'content-language': 'blobContentLanguage',
  'x-ms-blob-content-language': 'blobContentLanguage',
  'content-disposition': 'blobContentDisposition',
  'x-ms-blob-content-disposition': 'blobContentDisposition',
  'cache-control': 'blobCacheControl',
  'x-ms-blob-cache-control': 'blobCacheControl',
} as const);

export type BlobHeaderProperty = (typeof OUTPUT_UPLOAD_HEADERS)[keyof typeof OUTPUT_UPLOAD_HEADERS];

const METADATA_PREFIX = 'x-ms-meta-';

/** What a header does to the blob: one of its HTTP properties, one metadata entry, or nothing Batchite knows. */
export function uploadHeaderEffect(
  name: string,
): { property: BlobHeaderProperty } | { metadata: string } | undefined {
  const lower = name.toLowerCase();
  if (lower.startsWith(METADATA_PREFIX) && lower.length > METADATA_PREFIX.length)
    return { metadata: lower.slice(METADATA_PREFIX.length) };
  const property = (OUTPUT_UPLOAD_HEADERS as Record<string, BlobHeaderProperty | undefined>)[lower];
  return property === undefined ? undefined : { property };
}
