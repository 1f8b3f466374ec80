/**
 * Runs the Azure CLI (`az`, Debian's azure-cli) against a test server: Shared Key through the
 * `AZURE_BATCH_ACCOUNT` / `AZURE_BATCH_ACCESS_KEY` / `AZURE_BATCH_ENDPOINT` variables (no ARM, no login), its own
 * throw-away config directory, no telemetry, JSON output.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Endpoint } from './sdk.js';

/** Why the `az` suite cannot run here, or undefined when `az` answers. */
export function azureCliMissing(): string | undefined {
  const probe = spawnSync('az', ['version', '--output', 'none'], {
    env: { ...process.env, AZURE_CORE_COLLECT_TELEMETRY: 'false' },
    stdio: 'ignore',
    timeout: 120_000,
  });
  if (probe.error === undefined && probe.status === 0) return undefined;
  return (
    '`az` (Debian azure-cli) is not installed or does not start; `bash scripts/ensure-azure-cli.sh` installs it ' +
    'as root with apt-get, and says why when it cannot'
  );
}

export interface AzResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON; undefined when empty or not JSON. */
  json: unknown;
}

export interface AzureCli {
  /** `az batch <args> --output json`. */
  batch(...args: string[]): Promise<AzResult>;
  /** Removes the config directory. */
  dispose(): void;
}

export function azureCli(endpoint: Endpoint): AzureCli {
  const configDir = mkdtempSync(join(tmpdir(), 'batchite-az-'));
  const env = {
    ...process.env,
    AZURE_CONFIG_DIR: configDir,
    AZURE_CORE_COLLECT_TELEMETRY: 'false',
    AZURE_CORE_NO_COLOR: 'true',
    AZURE_CORE_SURVEY_MESSAGE: 'false',
    AZURE_BATCH_ACCOUNT: endpoint.accountName,
    AZURE_BATCH_ACCESS_KEY: endpoint.accountKey,
    AZURE_BATCH_ENDPOINT: endpoint.url,
  };
  return {
    batch: (...args) =>
      new Promise((resolve) => {
        execFile(
          'az',
          ['batch', ...args, '--output', 'json'],
          { env, maxBuffer: 16 * 1024 * 1024 },
          (error, stdout, stderr) => {
            let json: unknown;
            try {
              json = stdout.trim() === '' ? undefined : JSON.parse(stdout);
            } catch {
              json = undefined;
            }
            const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
            resolve({ code, stdout, stderr, json });
          },
        );
      }),
    dispose: () => rmSync(configDir, { recursive: true, force: true }),
  };
}
