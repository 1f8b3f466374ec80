/**
 * A task's `resourceFiles` as Batch checks them when the task is added (Batch REST API reference, ResourceFile):
 * exactly one of `autoStorageContainerName`, `storageContainerUrl` and `httpUrl`; `filePath` required with
 * `httpUrl` (it names the file), and relative to the task's working directory without breaking out of it (no
 * `..` segment, not absolute); `fileMode` an octal mode; `blobPrefix` only with a container source.
 */
import type { ResourceFile } from '../models/index.js';
import type { Check, Rule } from './schema.js';
import { arr, invalidProperty, missingProperty, obj, opaque, str, withCheck } from './schema.js';

const SOURCES = ['autoStorageContainerName', 'storageContainerUrl', 'httpUrl'] as const;

/** Octal permission bits, 3 or 4 digits (`0644`, `755`). */
const FILE_MODE = /^[0-7]{3,4}$/;

function at(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}

/** True when `filePath` would leave the directory it is relative to: absolute, a drive, or a `..` segment. */
export function escapesDirectory(filePath: string): boolean {
  if (filePath.startsWith('/') || filePath.startsWith('\\') || /^[A-Za-z]:/.test(filePath)) return true;
  return filePath.split(/[\\/]/).some((segment) => segment === '..');
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

const resourceFileCheck: Check = (file: ResourceFile, path) => {
  const given = SOURCES.filter((source) => file[source] !== undefined);
  if (given.length !== 1) {
    return invalidProperty(
      path,
      given.join(', '),
      'The autoStorageContainerName, storageContainerUrl and httpUrl properties are mutually exclusive ' +
        'and one of them must be specified.',
    );
  }
  for (const name of ['storageContainerUrl', 'httpUrl'] as const) {
    const value = file[name];
    if (value !== undefined && !isHttpUrl(value))
      return invalidProperty(at(path, name), value, 'The URL must be an absolute http or https URL.');
  }
  if (file.httpUrl !== undefined && file.blobPrefix !== undefined) {
    return invalidProperty(
      at(path, 'blobPrefix'),
      file.blobPrefix,
      'blobPrefix is only valid with autoStorageContainerName or storageContainerUrl.',
    );
  }
  if (file.httpUrl !== undefined && (file.filePath ?? '') === '')
    return missingProperty(at(path, 'filePath'));
  if (file.filePath !== undefined && escapesDirectory(file.filePath)) {
    return invalidProperty(
      at(path, 'filePath'),
      file.filePath,
      "The file path must be relative to the task's working directory and must not break out of it.",
    );
  }
  if (file.fileMode !== undefined && !FILE_MODE.test(file.fileMode)) {
    return invalidProperty(
      at(path, 'fileMode'),
      file.fileMode,
      'fileMode must be an octal mode such as 0644.',
    );
  }
  return undefined;
};

const resourceFile: Rule = withCheck(
  obj({
    autoStorageContainerName: str({ nonEmpty: true }),
    storageContainerUrl: str({ nonEmpty: true }),
    httpUrl: str({ nonEmpty: true }),
    blobPrefix: str(),
    filePath: str(),
    fileMode: str(),
    identityReference: opaque(),
  }),
  resourceFileCheck,
);

/** `resourceFiles` of a task, a job manager, preparation or release task. */
export const resourceFiles: Rule = arr(resourceFile);
