/**
 * A real Azurite blob service for storage tests: its own process on a free port (port 0), blob only, in memory,
 * telemetry off (CI is offline), `--loose` and `--skipApiVersionCheck` so any SDK version talks to it. Tests
 * get the development account's connection string and a `BlobServiceClient` for it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { BlobServiceClient, ContainerSASPermissions, StorageSharedKeyCredential } from '@azure/storage-blob';
import { generateBlobSASQueryParameters } from '@azure/storage-blob';

/** The storage emulators' development account (public, documented by Azure Storage). */
export const DEV_ACCOUNT = 'devstoreaccount1';
export const DEV_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/** Upper bound for Azurite to start listening (a safety net, not a pace). */
const START_TIMEOUT_MS = 30_000;
const LISTENING = /successfully listens on (http:\/\/[^\s]+)/;

export interface Azurite {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** The account's blob endpoint: `<url>/devstoreaccount1`. */
  readonly blobEndpoint: string;
  /** Connection string of the development account at this instance (for `--storage`). */
  readonly connectionString: string;
  readonly service: BlobServiceClient;
  /** A container URL with a SAS of `permissions` (e.g. `rl`) expiring at `expiresOn`. */
  containerSasUrl(container: string, permissions: string, expiresOn?: Date, endpoint?: string): string;
  stop(): Promise<void>;
}

function azuriteBlobMain(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('azurite/package.json')), 'dist', 'src', 'blob', 'main.js');
}

/** Starts Azurite's blob service; resolves once it listens, rejects if it exits first. */
export async function startAzurite(): Promise<Azurite> {
  const args = ['--blobHost', '127.0.0.1', '--blobPort', '0', '--inMemoryPersistence'];
  args.push('--skipApiVersionCheck', '--loose', '--disableTelemetry');
  const child: ChildProcess = spawn(process.execPath, [azuriteBlobMain(), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`azurite did not start: ${output}`)), START_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const found = LISTENING.exec(output);
      if (found?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(found[1].replace(/\/+$/, ''));
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`azurite exited early (${code}): ${output}`));
    });
  });
  child.stdout?.resume();
  child.stderr?.resume();
  const blobEndpoint = `${url}/${DEV_ACCOUNT}`;
  const connectionString =
    `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};` +
    `BlobEndpoint=${blobEndpoint};`;
  const credential = new StorageSharedKeyCredential(DEV_ACCOUNT, DEV_KEY);
  return {
    url,
    blobEndpoint,
    connectionString,
    service: new BlobServiceClient(blobEndpoint, credential),
    containerSasUrl(container, permissions, expiresOn = new Date(Date.now() + 3_600_000), endpoint) {
      const sas = generateBlobSASQueryParameters(
        { containerName: container, permissions: ContainerSASPermissions.parse(permissions), expiresOn },
        credential,
      );
      return `${endpoint ?? blobEndpoint}/${container}?${sas.toString()}`;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
