/**
 * `batchite serve --with-azurite`: Azurite's blob service (https://github.com/Azure/Azurite) as a child process
 * next to the server, its data in `<data>/azurite`, so a developer gets Batch and Storage emulators side by side
 * with the development storage account linked (`autoStorageContainerName` works at once). Azurite is a dev
 * dependency of this repository; installed elsewhere, `npm install azurite@3.35.0` (the last release for
 * Node 20) brings it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** Azurite's default blob port, as `UseDevelopmentStorage=true` expects it. */
export const AZURITE_DEFAULT_PORT = 10000;

/** The storage emulators' development account (public, documented by Azure Storage). */
const DEV_ACCOUNT = 'devstoreaccount1';
const DEV_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/** What Azurite prints once it listens, with the address it got (the port when 0 was asked). */
const LISTENING = /successfully listens on (http:\/\/\S+)/;

/** Upper bound for Azurite to start listening (a safety net on a loaded machine, not a pace). */
const START_TIMEOUT_MS = 60_000;

export interface AzuriteProcess {
  /** `http://127.0.0.1:<port>/devstoreaccount1` */
  readonly blobEndpoint: string;
  /** The development account at this address: what the server links as its storage. */
  readonly connectionString: string;
  /** Stops Azurite; resolves once it exited. */
  stop(): Promise<void>;
}

export class AzuriteMissingError extends Error {
  constructor() {
    super(
      '--with-azurite needs Azurite, a dev dependency of Batchite: run `npm install` in the repository ' +
        '(or `npm install azurite@3.35.0`, the last release for Node 20), or link your own storage with --storage.',
    );
  }
}

function azuriteBlobMain(): string {
  const require = createRequire(import.meta.url);
  try {
    return join(dirname(require.resolve('azurite/package.json')), 'dist', 'src', 'blob', 'main.js');
  } catch {
    throw new AzuriteMissingError();
  }
}

/** Resolves with Azurite's base URL once it listens; rejects when it exits first or never listens. */
function listening(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`Azurite did not start listening: ${output}`));
    }, START_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const found = LISTENING.exec(output);
      if (found?.[1] === undefined) return;
      clearTimeout(timer);
      resolve(found[1].replace(/\/+$/, ''));
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Azurite exited (${code}) before it listened: ${output.trim()}`));
    });
  });
}

/** Starts Azurite's blob service on `host:port` (0 = any free port) with its data under `dataDir/azurite`. */
export async function startAzuriteProcess(o: {
  host: string;
  port: number;
  dataDir: string;
}): Promise<AzuriteProcess> {
  const location = join(o.dataDir, 'azurite');
  mkdirSync(location, { recursive: true });
  const args = ['--blobHost', o.host, '--blobPort', String(o.port), '--location', location];
  // Telemetry off (a local emulator reports nothing), any storage SDK version accepted.
  args.push('--silent', '--skipApiVersionCheck', '--loose', '--disableTelemetry');
  const child = spawn(process.execPath, [azuriteBlobMain(), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await listening(child);
  // Keep draining its output so a full pipe never blocks it.
  child.stdout?.resume();
  child.stderr?.resume();
  const blobEndpoint = `${url}/${DEV_ACCOUNT}`;
  return {
    blobEndpoint,
    connectionString:
      `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};` +
      `BlobEndpoint=${blobEndpoint};`,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
