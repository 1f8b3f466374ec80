/**
 * Tasks of local nodes run under the data directory, so the store file must be unreadable to them: the data
 * directory is 0711 (task users may pass through it to their own task directories but cannot list it) and the
 * SQLite database is created 0600 before SQLite opens it — SQLite gives its -wal and -shm files the database
 * file's permissions. Existing files are tightened on every start.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

const DATA_DIR_MODE = 0o711;
const STORE_FILE_MODE = 0o600;

export function protectStoreFiles(dataDir: string, storeUrl: string): void {
  mkdirSync(dataDir, { recursive: true, mode: DATA_DIR_MODE });
  chmodSync(dataDir, DATA_DIR_MODE);
  if (!storeUrl.startsWith('sqlite:')) return;
  const path = storeUrl.slice('sqlite:'.length);
  if (path === ':memory:' || path === '') return;
  const file = resolve(path);
  mkdirSync(dirname(file), { recursive: true, mode: DATA_DIR_MODE });
  closeSync(openSync(file, 'a', STORE_FILE_MODE));
  for (const candidate of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) {
    if (existsSync(candidate)) chmodSync(candidate, STORE_FILE_MODE);
  }
}
