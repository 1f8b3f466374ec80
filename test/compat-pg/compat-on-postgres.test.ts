/**
 * The whole compatibility suite again, with every server on PostgreSQL instead of SQLite: both stores must give
 * the official SDK the same answers. Each compat file registers its suites when imported.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

process.env.BATCHITE_TEST_STORE = 'postgres';

const compatDir = fileURLToPath(new URL('../compat/', import.meta.url));
for (const file of readdirSync(compatDir)
  .filter((name) => name.endsWith('.test.js'))
  .sort()) {
  await import(new URL(`../compat/${file}`, import.meta.url).href);
}
