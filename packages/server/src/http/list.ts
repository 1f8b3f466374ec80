import type { PageRequest } from './paging.js';

export interface Page<D> {
  items: D[];
  /** Present when more rows may follow: the key to continue after. */
  lastKey?: string;
}

export type Scan<D> = (afterKey: string | undefined, limit: number) => Promise<D[]>;

const SCAN_BATCH = 500;

/**
 * Fills one page of up to `maxResults` matching rows, scanning the store in key order. Filters the store cannot
 * push down are applied here, so a selective filter may scan several batches.
 */
export async function collectPage<D>(
  scan: Scan<D>,
  key: (doc: D) => string,
  matches: (doc: D) => boolean,
  page: PageRequest,
): Promise<Page<D>> {
  const items: D[] = [];
  let after = page.afterKey;
  const batch = Math.max(page.maxResults, SCAN_BATCH);
  for (;;) {
    const rows = await scan(after, batch);
    for (const row of rows) {
      after = key(row);
      if (!matches(row)) continue;
      items.push(row);
      if (items.length === page.maxResults) {
        const more = row !== rows[rows.length - 1] || rows.length === batch;
        return more ? { items, lastKey: after } : { items };
      }
    }
    if (rows.length < batch) return { items };
  }
}
