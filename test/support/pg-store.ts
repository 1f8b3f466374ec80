/**
 * Runs a suite against PostgreSQL instead of the embedded SQLite store when BATCHITE_TEST_STORE=postgres
 * (`npm test` runs the compatibility suite both ways). One database per data directory, so a server restarted
 * on the same data directory finds its data again.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';

export const PG_ADMIN_URL = process.env.BATCHITE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export function usePostgres(): boolean {
  return process.env.BATCHITE_TEST_STORE === 'postgres';
}

function databaseFor(dataDir: string): string {
  return `batchite_suite_${createHash('sha256').update(dataDir).digest('hex').slice(0, 16)}`;
}

function urlFor(database: string): string {
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(PG_ADMIN_URL);
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`PostgreSQL is not reachable at ${PG_ADMIN_URL}: run scripts/ensure-test-services.sh`, {
      cause: error,
    });
  }
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** The store URL for a data directory, creating its database on first use. */
export async function postgresStoreFor(dataDir: string): Promise<string> {
  const database = databaseFor(dataDir);
  await admin(async (client) => {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${database}`);
  });
  return urlFor(database);
}

export async function dropPostgresStore(dataDir: string): Promise<void> {
  await admin((client) => client.query(`DROP DATABASE IF EXISTS ${databaseFor(dataDir)} WITH (FORCE)`));
}
