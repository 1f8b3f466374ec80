import type { Clock } from '@batchite/retry';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

/** Opens the store named by a URL: `sqlite:PATH` (PostgreSQL arrives with the scale-out work). */
export function openStore(url: string, clock: Clock): Promise<Store> {
  if (url.startsWith('sqlite:')) return Promise.resolve(new SqliteStore(url.slice('sqlite:'.length), clock));
  return Promise.reject(new Error(`Unsupported store '${url}': use sqlite:PATH.`));
}
