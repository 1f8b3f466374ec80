/**
 * The account's linked storage (Batch "auto-storage"): a storage account given as a connection string
 * (`batchite serve --storage` / `BATCHITE_STORAGE`), whose containers tasks name with
 * `resourceFiles[].autoStorageContainerName`. The server keeps the account key; a node only ever gets a
 * container URL with a short-lived read+list SAS for the container the task names.
 * `UseDevelopmentStorage=true` is the storage emulator's well-known development account (Azurite).
 */
import {
  ContainerSASPermissions,
  StorageSharedKeyCredential,
  generateBlobSASQueryParameters,
} from '@azure/storage-blob';

/** The development storage account every storage emulator serves (public, documented by Azure Storage). */
const DEVELOPMENT_STORAGE = Object.freeze({
  accountName: 'devstoreaccount1',
  accountKey: 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==',
  blobEndpoint: 'http://127.0.0.1:10000/devstoreaccount1',
});

/** How long a container SAS given to a node stays valid: downloads start right after the claim. */
export const CONTAINER_SAS_LIFETIME_MS = 60 * 60_000;

/** Clock skew allowance: the SAS is valid from a little before it was made. */
const SAS_START_SKEW_MS = 5 * 60_000;

export interface LinkedStorage {
  readonly accountName: string;
  /** `https://account.blob.core.windows.net` or the emulator's `http://127.0.0.1:port/devstoreaccount1`. */
  readonly blobEndpoint: string;
  /** The container's URL with a read+list SAS valid for `CONTAINER_SAS_LIFETIME_MS` from `nowMs`. */
  containerUrl(containerName: string, nowMs: number): string;
}

function parseConnectionString(text: string): Map<string, string> {
  const settings = new Map<string, string>();
  for (const part of text.split(';')) {
    const at = part.indexOf('=');
    if (at <= 0) continue;
    settings.set(part.slice(0, at).trim().toLowerCase(), part.slice(at + 1).trim());
  }
  return settings;
}

/** The linked storage of a connection string; throws `TypeError` naming what is missing. */
export function linkedStorageFrom(connectionString: string): LinkedStorage {
  const settings = parseConnectionString(connectionString);
  const development = settings.get('usedevelopmentstorage')?.toLowerCase() === 'true';
  const accountName =
    settings.get('accountname') ?? (development ? DEVELOPMENT_STORAGE.accountName : undefined);
  const accountKey = settings.get('accountkey') ?? (development ? DEVELOPMENT_STORAGE.accountKey : undefined);
  if (accountName === undefined || accountKey === undefined) {
    throw new TypeError(
      'The storage connection string needs AccountName and AccountKey (or UseDevelopmentStorage=true)',
    );
  }
  const protocol = settings.get('defaultendpointsprotocol') ?? 'https';
  const suffix = settings.get('endpointsuffix') ?? 'core.windows.net';
  const blobEndpoint = (
    settings.get('blobendpoint') ??
    (development ? DEVELOPMENT_STORAGE.blobEndpoint : `${protocol}://${accountName}.blob.${suffix}`)
  ).replace(/\/+$/, '');
  if (!URL.canParse(blobEndpoint))
    throw new TypeError(`The storage BlobEndpoint is not a URL: ${blobEndpoint}`);
  const credential = new StorageSharedKeyCredential(accountName, accountKey);
  return Object.freeze({
    accountName,
    blobEndpoint,
    containerUrl(containerName: string, nowMs: number): string {
      const sas = generateBlobSASQueryParameters(
        {
          containerName,
          permissions: ContainerSASPermissions.parse('rl'),
          startsOn: new Date(nowMs - SAS_START_SKEW_MS),
          expiresOn: new Date(nowMs + CONTAINER_SAS_LIFETIME_MS),
        },
        credential,
      );
      return `${blobEndpoint}/${encodeURIComponent(containerName)}?${sas.toString()}`;
    },
  });
}
