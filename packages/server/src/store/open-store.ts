import type { Clock } from '@batchite/retry';
import { PostgresStore } from './postgres/postgres-store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

/** Opens the store named by a URL: `sqlite:PATH` or `postgres://…`. */
export function openStore(url: string, clock: Clock): Promise<Store> {
  if (url.startsWith('sqlite:')) return Promise.resolve(new SqliteStore(url.slice('sqlite:'.length), clock));
  if (/^postgres(ql)?:\/\//.test(url)) return PostgresStore.open(url, clock);
  return Promise.reject(new Error(`Unsupported store '${url}': use sqlite:PATH or postgres://….`));
}
