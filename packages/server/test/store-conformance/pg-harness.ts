/**
 * Real PostgreSQL for tests, the graphile-worker way: a template database with every migration applied, built
 * when missing or out of date, and one database per test file cloned from it (`CREATE DATABASE … TEMPLATE`),
 * dropped afterwards. The server is the local one (BATCHITE_TEST_PG_URL, default postgres@127.0.0.1:5432/test).
 * An unreachable server fails the tests with the command that starts it; PostgreSQL suites never skip.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Client, Pool } from 'pg';
import { migrate, POSTGRES_MIGRATIONS } from '../../src/store/postgres/postgres-migrations.js';

export const PG_ADMIN_URL = process.env.BATCHITE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const TEMPLATE = 'batchite_template';
/** Serialises template builds and clones across test processes (a clone fails while anyone uses the template). */
const HARNESS_LOCK = 0x62746374;

/** How the template is built: bump when the recipe below changes, so old templates get rebuilt. */
const RECIPE = 'icu en-US v1';
/** The recipe and migrations the template was built from, recorded as the template database's comment. */
const FINGERPRINT = `batchite template ${createHash('sha256')
  .update(RECIPE + JSON.stringify(POSTGRES_MIGRATIONS))
  .digest('hex')
  .slice(0, 16)}`;

export function databaseUrl(name: string): string {
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Runs `work` on a connection to the admin database, failing loudly when PostgreSQL is not there. */
export async function withAdmin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `PostgreSQL is not reachable at ${PG_ADMIN_URL} (${reason}). The PostgreSQL store tests need it: ` +
        'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start (or set BATCHITE_TEST_PG_URL).',
      { cause: error },
    );
  }
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * Creates a database whose default collation is a language's (ICU en-US, as most production databases have), not
 * byte order, so the suite sees it when a query forgets `COLLATE "C"`. Falls back to the server default where
 * ICU is missing (PostgreSQL < 15 or built without it).
 */
async function createWithLocaleOrder(client: Client, name: string): Promise<void> {
  try {
    await client.query(
      `CREATE DATABASE ${name} TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'`,
    );
  } catch {
    await client.query(`CREATE DATABASE ${name}`);
  }
}

async function ensureTemplate(client: Client): Promise<void> {
  const { rows } = await client.query<{ comment: string | null }>(
    `SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = $1`,
    [TEMPLATE],
  );
  if (rows[0]?.comment === FINGERPRINT) return;
  await client.query(`DROP DATABASE IF EXISTS ${TEMPLATE} WITH (FORCE)`);
  await createWithLocaleOrder(client, TEMPLATE);
  const pool = new Pool({ connectionString: databaseUrl(TEMPLATE), max: 1 });
  try {
    await migrate(pool, 0);
  } finally {
    await pool.end();
  }
  await client.query(`COMMENT ON DATABASE ${TEMPLATE} IS '${FINGERPRINT}'`);
}

/** Whether a process of this machine still runs. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Drops test databases left by test processes that died before their `after` hook. Names carry the creating
 * pid; only done against a local server, where those pids are this machine's.
 */
async function dropOrphans(client: Client): Promise<void> {
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(new URL(PG_ADMIN_URL).hostname)) return;
  const { rows } = await client.query<{ datname: string }>(
    `SELECT datname FROM pg_database WHERE datname LIKE 'batchite\\_test\\_%'`,
  );
  for (const { datname } of rows) {
    const pid = Number(/_(\d+)_[0-9a-f]{6}$/.exec(datname)?.[1]);
    if (Number.isInteger(pid) && !alive(pid))
      await client.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
  }
}

export interface TestDatabase {
  name: string;
  url: string;
  /** Empties the Batchite tables (sequences keep counting, as in production). */
  reset(): Promise<void>;
  /** Drops the database. */
  drop(): Promise<void>;
}

/** A database for one test file, with every migration applied (cloned from the template). */
export async function cloneTestDatabase(label: string): Promise<TestDatabase> {
  return createDatabase(label, `TEMPLATE ${TEMPLATE}`);
}

/** An empty database (no Batchite tables), for migration tests. */
export async function emptyTestDatabase(label: string): Promise<TestDatabase> {
  return createDatabase(label, '');
}

async function createDatabase(label: string, template: '' | `TEMPLATE ${string}`): Promise<TestDatabase> {
  const name = `batchite_test_${label}_${process.pid}_${randomBytes(3).toString('hex')}`;
  await withAdmin(async (client) => {
    await client.query('SELECT pg_advisory_lock($1)', [HARNESS_LOCK]);
    try {
      await dropOrphans(client);
      if (template === '') await createWithLocaleOrder(client, name);
      else {
        await ensureTemplate(client);
        await client.query(`CREATE DATABASE ${name} ${template}`);
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [HARNESS_LOCK]);
    }
  });
  const url = databaseUrl(name);
  // One connection for resets: connecting costs more than the DELETEs (TRUNCATE costs more still).
  let resetter: Client | undefined;
  return {
    name,
    url,
    async reset() {
      if (resetter === undefined) {
        resetter = new Client({ connectionString: url });
        await resetter.connect();
      }
      await resetter.query(
        'DELETE FROM tasks; DELETE FROM jobs; DELETE FROM nodes; DELETE FROM pools; DELETE FROM job_schedules; ' +
          'DELETE FROM usage_totals; DELETE FROM node_usage',
      );
    },
    async drop() {
      await resetter?.end();
      await withAdmin(
        async (client) => void (await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)),
      );
    },
  };
}
