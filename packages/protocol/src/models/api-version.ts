/**
 * Service api-versions Batchite accepts. `@azure/batch` 10.x always sends the first one; the others are the newer
 * versions the Azure Batch REST API reference documents. All share the wire shapes of this package's subset.
 */
export const API_VERSIONS = [
  '2022-10-01.16.0',
  '2023-05-01.17.0',
  '2023-11-01.18.0',
  '2024-02-01.19.0',
  '2024-07-01.20.0',
  '2025-06-01',
] as const;

export type ApiVersion = (typeof API_VERSIONS)[number];

export const DEFAULT_API_VERSION: ApiVersion = '2022-10-01.16.0';

/** True when the server supports `version` (exact match, as the real service does). */
export function isSupportedApiVersion(version: string): version is ApiVersion {
  return (API_VERSIONS as readonly string[]).includes(version);
}
