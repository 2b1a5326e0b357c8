import pg from 'pg';
import type { Logger } from './logger';

export type Pool = pg.Pool;
/** A client inside an open transaction. */
export type Tx = pg.PoolClient;

// int8 (bigint) columns come back as strings by default; ours (ids, offsets,
// versions, KRW amounts) stay far below 2^53, so parse them as numbers.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export function createPool(opts: { connectionString: string; max?: number; logger?: Logger; applicationName?: string }): Pool {
  const pool = new pg.Pool({
    connectionString: opts.connectionString,
    max: opts.max ?? 10,
    application_name: opts.applicationName,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 5_000,
    // A connection whose server (or the network to it) died without a word errors instead of
    // hanging: the outbox relay's lock connection, above all (outbox.ts).
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  });
  // An idle client losing its connection must not crash the process.
  pool.on('error', (err) => opts.logger?.error({ err }, 'idle PostgreSQL client failed'));
  return pool;
}

/** Runs `fn` in a transaction: commit on success, rollback on any error. */
export async function withTransaction<T>(pool: Pool, fn: (tx: Tx) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // A checked-out client has no pool error handler: a server-side disconnect between
  // queries would be an unhandled 'error' event. The failing query rejects anyway.
  const ignore = () => undefined;
  client.on('error', ignore);
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.off('error', ignore);
    client.release();
  }
}
