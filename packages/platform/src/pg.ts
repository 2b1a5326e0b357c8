import pg from 'pg';
import type { Logger } from './logger';

export type Pool = pg.Pool;
/** A client inside an open transaction. */
export type Tx = pg.PoolClient;

// int8 (bigint) columns come back as strings by default; ours (ids, offsets,
// versions, KRW amounts) stay far below 2^53, so parse them as numbers.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

/** Distinct statements a process prepares; any beyond (generated texts) run unnamed, as before. */
const MAX_PREPARED = 500;
const statementNames = new Map<string, string>();

/**
 * A statement returning `*` (SELECT *, RETURNING *, t.*): a migration that adds a column changes
 * its row type, which PostgreSQL refuses for a prepared statement ("cached plan must not change
 * result type") on every connection that prepared it; so such a statement stays unnamed.
 */
const RETURNS_STAR = /(?:\bSELECT|\bRETURNING|,)\s*(?:\w+\.)?\*/i;

/** The prepared statement's name for `text`, the same on every connection of the process; none for a `*` statement. */
export function statementNameOf(text: string): string | undefined {
  if (RETURNS_STAR.test(text)) return undefined;
  let name = statementNames.get(text);
  if (name === undefined && statementNames.size < MAX_PREPARED) {
    name = `fm_${statementNames.size + 1}`;
    statementNames.set(text, name);
  }
  return name;
}

/**
 * A client that prepares every statement with parameters once per connection (a named statement)
 * and only binds and executes it afterwards: PostgreSQL parses and plans the hot statements (the
 * inbox insert, the row lock, the outbox insert) once per connection instead of on every call.
 * Statements without parameters (BEGIN, COMMIT, DDL) stay simple queries.
 */
class PreparingClient extends pg.Client {
  // pg's overloads are many; this one only names a (text, values) call and passes the rest on.
  override query(config: unknown, values?: unknown, callback?: unknown): never {
    const name = typeof config === 'string' && Array.isArray(values) && values.length > 0 ? statementNameOf(config) : undefined;
    const query = super.query as (...args: unknown[]) => never;
    return name ? query.call(this, { name, text: config, values }, callback) : query.call(this, config, values, callback);
  }
}

export function createPool(opts: { connectionString: string; max?: number; logger?: Logger; applicationName?: string }): Pool {
  const pool = new pg.Pool({
    Client: PreparingClient,
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
