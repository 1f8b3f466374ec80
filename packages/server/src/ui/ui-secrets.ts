/**
 * What the dashboard never shows by default: values of environment variables whose names look secret, and the
 * signatures of SAS URLs (resource files, output containers). Masked even for a caller with the credential, so
 * a screen share or a screenshot does not leak them; `?reveal=true` on the task view shows them on purpose.
 */
import type { CloudTask } from '@batchite/protocol';

/** Marks a masked value. */
export const MASK = '***';

/** Names that look like they hold a secret (matched anywhere in the name, case-insensitive). */
export const SECRET_NAME =
  /KEY|SECRET|TOKEN|PASSW|PWD|CREDENTIAL|CONNECTION_?STRING|CONN_?STR|SAS|SIGNATURE|PRIVATE|AUTH|CERT|COOKIE|SESSION/i;

/** Query parameters of a URL that carry a signature or key (Azure SAS `sig`, and the like). */
const SECRET_QUERY = /^(sig|signature|key|token|password|code|secret)$/i;

export function looksSecret(name: string): boolean {
  return SECRET_NAME.test(name);
}

interface EnvSetting {
  name: string;
  value?: string;
}

function maskSettings(settings: EnvSetting[] | undefined): EnvSetting[] | undefined {
  return settings?.map((setting) =>
    looksSecret(setting.name) && setting.value !== undefined ? { ...setting, value: MASK } : setting,
  );
}

/** `https://a.blob/c/f?sv=1&sig=abc` → `https://a.blob/c/f?sv=1&sig=***`; anything not a URL is returned as is. */
export function maskUrl(text: string | undefined): string | undefined {
  if (text === undefined || !URL.canParse(text)) return text;
  const url = new URL(text);
  let changed = false;
  for (const name of [...url.searchParams.keys()]) {
    if (SECRET_QUERY.test(name)) {
      url.searchParams.set(name, MASK);
      changed = true;
    }
  }
  if (url.password !== '') {
    url.password = MASK;
    changed = true;
  }
  return changed ? url.toString() : text;
}

/** A copy of the task with secret-looking environment values and URL signatures masked. */
export function maskTask<T extends CloudTask>(task: T): T {
  const masked: T = { ...task };
  const environment = maskSettings(task.environmentSettings);
  if (environment !== undefined) masked.environmentSettings = environment;
  if (task.resourceFiles !== undefined) {
    masked.resourceFiles = task.resourceFiles.map((file) => {
      const copy = { ...file };
      const httpUrl = maskUrl(file.httpUrl);
      const containerUrl = maskUrl(file.storageContainerUrl);
      if (httpUrl !== undefined) copy.httpUrl = httpUrl;
      if (containerUrl !== undefined) copy.storageContainerUrl = containerUrl;
      return copy;
    });
  }
  if (task.outputFiles !== undefined) {
    masked.outputFiles = task.outputFiles.map((file) => {
      const container = file.destination?.container;
      if (container === undefined) return file;
      return {
        ...file,
        destination: {
          ...file.destination,
          container: {
            ...container,
            containerUrl: maskUrl(container.containerUrl) ?? container.containerUrl,
          },
        },
      };
    });
  }
  return masked;
}
