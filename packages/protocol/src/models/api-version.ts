/**
 * Service api-versions Batchite accepts: every version Azure Batch serves, oldest first (the stable folders of the
 * Batch data-plane swagger in Azure/azure-rest-api-specs, then the TypeSpec-era `2025-06-01`). There was never a
 * `.13.0`. `@azure/batch` 10.x and the Python `azure-batch` 13.x inside Azure CLI 2.45 send `2022-10-01.16.0`.
 * Where the wire shapes differ between versions, `api-version-differences.ts` says how.
 */
export const API_VERSIONS = [
  '2018-12-01.8.0',
  '2019-06-01.9.0',
  '2019-08-01.10.0',
  '2020-03-01.11.0',
  '2020-09-01.12.0',
  '2021-06-01.14.0',
  '2022-01-01.15.0',
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

/** True when `version` is `since` or newer (the list above is in release order). */
export function apiVersionAtLeast(version: ApiVersion, since: ApiVersion): boolean {
  return API_VERSIONS.indexOf(version) >= API_VERSIONS.indexOf(since);
}
