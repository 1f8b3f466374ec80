/** Transactions over a pooled connection, and the small query helpers every statement goes through. */
import type { Pool, PoolClient, QueryResultRow } from 'pg';

/** A statement with a stable name, so each connection parses and plans it once. */
export interface Statement {
  readonly name: string;
  readonly text: string;
}

export type Queryable = Pick<Pool, 'query'> | Pick<PoolClient, 'query'>;

/** Runs a named statement and returns its rows. */
export async function rowsOf<R extends QueryResultRow>(
  db: Queryable,
  statement: Statement,
  values: unknown[],
): Promise<R[]> {
  const result = await db.query<R>({ name: statement.name, text: statement.text, values });
  return result.rows;
}

/**
 * Runs `work` between BEGIN and COMMIT on one connection. When `work` throws, the transaction rolls back and the
 * error propagates unchanged; a connection that cannot even roll back is discarded, not returned to the pool.
 * A resolved call has committed (PostgreSQL's default `synchronous_commit = on` makes that durable). With
 * `waitForDisk: false` (execution progress, store.ts `claimTasksForNode`) the commit does not wait for the WAL
 * flush: a database crash may lose the latest such transactions, never leave a partial one.
 */
export async function inTransaction<T>(
  pool: Pool,
  work: (client: PoolClient) => Promise<T>,
  { waitForDisk = true }: { waitForDisk?: boolean } = {},
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query(waitForDisk ? 'BEGIN' : 'BEGIN; SET LOCAL synchronous_commit TO OFF');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    broken = await rollback(client);
    throw error;
  } finally {
    client.release(broken);
  }
}

async function rollback(client: PoolClient): Promise<Error | undefined> {
  try {
    await client.query('ROLLBACK');
    return undefined;
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}
