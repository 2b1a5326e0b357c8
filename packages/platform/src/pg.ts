import net from 'node:net';
import { Metadata, status } from '@grpc/grpc-js';
import pg from 'pg';
import { currentScope, type CallScope } from './call-scope';
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
  return boundToCalls(pool);
}

/** The gRPC status of database work cut short because its call ended. */
function callEnded(scope: CallScope): Error {
  const expired = scope.deadline <= Date.now();
  const details = expired ? 'the request ran out of time; try again' : 'the request was cancelled by its caller';
  return Object.assign(new Error(details), { code: expired ? status.DEADLINE_EXCEEDED : status.CANCELLED, details, metadata: new Metadata() });
}

type QueryArgs = unknown[];
type Callback = (err: Error | null, res?: unknown) => void;
/** What PostgreSQL told the client at start-up to name its backend in a cancel request. */
interface CancellableClient {
  host: string;
  port: number;
  processID: number;
  secretKey: number;
  query(...args: QueryArgs): unknown;
}

/**
 * Clients to close rather than pool again: one a cancel request was sent for (it may land after
 * the statement finished and cancel whatever runs next on that backend), one whose ROLLBACK failed.
 */
const notReusable = new WeakSet<object>();

/**
 * PostgreSQL's cancel request (protocol 3.0 CancelRequest, what libpq's PQcancel sends): a fresh
 * connection naming the backend and its secret key, answered by closing. It needs no pool slot
 * and no authentication. Best effort: the deadline's statement_timeout backs it.
 */
function cancelBackend(client: CancellableClient): void {
  notReusable.add(client);
  const packet = Buffer.alloc(16);
  packet.writeInt32BE(16, 0);
  packet.writeInt32BE(80877102, 4);
  packet.writeInt32BE(client.processID, 8);
  packet.writeInt32BE(client.secretKey, 12);
  const socket = client.host.startsWith('/') ? net.connect(`${client.host}/.s.PGSQL.${client.port}`) : net.connect(client.port, client.host);
  socket.on('error', () => socket.destroy());
  socket.setTimeout(5_000, () => socket.destroy());
  socket.end(packet);
}

/**
 * Ties every query to the inbound call it runs for (call-scope.ts), one way for every service:
 * none starts once the call was cancelled or its deadline passed, and one running then is
 * cancelled on the server (cancelBackend), so a held lock or a slow plan stops holding a
 * backend for a caller that is gone. A ROLLBACK always runs. Work outside a call (consumers,
 * the outbox relay, sweepers) has no scope and is untouched.
 */
function boundToCalls(pool: Pool): Pool {
  pool.on('connect', (client) => {
    const raw = client as unknown as CancellableClient;
    const query = raw.query.bind(raw);
    raw.query = (...args: QueryArgs) => {
      const scope = currentScope();
      const signal = scope?.signal;
      if (!scope || !signal || (typeof args[0] === 'string' && args[0] === 'ROLLBACK')) return query(...args);
      const last = args[args.length - 1];
      const callback = typeof last === 'function' ? (last as Callback) : undefined;
      if (signal.aborted) {
        if (!callback) return Promise.reject(callEnded(scope));
        process.nextTick(callback, callEnded(scope));
        return undefined;
      }
      const cancel = () => cancelBackend(raw);
      signal.addEventListener('abort', cancel, { once: true });
      // A statement cut short because the call ended fails with the call's status, not as an internal error.
      const settle = (err: unknown) => {
        signal.removeEventListener('abort', cancel);
        return err && (signal.aborted || scope.deadline <= Date.now()) ? callEnded(scope) : err;
      };
      if (callback) return query(...args.slice(0, -1), (err: Error | null, res?: unknown) => callback(settle(err) as Error | null, res));
      return (query(...args) as Promise<unknown>).then(
        (res) => (settle(undefined), res),
        (err: unknown) => Promise.reject(settle(err)),
      );
    };
  });
  // pg-pool hands a client freed by another caller to a waiting query in that caller's async
  // context; checking out with a promise keeps the waiting caller's scope.
  const unbound = pool.query.bind(pool) as (...a: QueryArgs) => unknown;
  const query = async (...args: QueryArgs) => {
    if (!currentScope()?.signal || typeof args[args.length - 1] === 'function') return unbound(...args);
    const client = await pool.connect();
    try {
      return await (client.query as (...a: QueryArgs) => Promise<unknown>)(...args);
    } finally {
      client.release(notReusable.has(client));
    }
  };
  return Object.assign(pool, { query: query as unknown as Pool['query'] });
}

/**
 * Runs `fn` in a transaction: commit on success, rollback on any error. Inside an inbound call
 * none starts once the call ended, and its statements get the call's remaining time as
 * `statement_timeout`, so the server itself stops them at the deadline.
 */
export async function withTransaction<T>(pool: Pool, fn: (tx: Tx) => Promise<T>): Promise<T> {
  const scope = currentScope();
  if (scope && (scope.signal?.aborted || scope.deadline <= Date.now())) throw callEnded(scope);
  const client = await pool.connect();
  // A checked-out client has no pool error handler: a server-side disconnect between
  // queries would be an unhandled 'error' event. The failing query rejects anyway.
  const ignore = () => undefined;
  client.on('error', ignore);
  try {
    const remainingMs = scope ? Math.ceil(scope.deadline - Date.now()) : Infinity;
    await client.query(Number.isFinite(remainingMs) ? `BEGIN; SET LOCAL statement_timeout = ${Math.max(1, remainingMs)}` : 'BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    // A client whose ROLLBACK failed may still be in the transaction: close it, never pool it.
    if (
      await client.query('ROLLBACK').then(
        () => false,
        () => true,
      )
    )
      notReusable.add(client);
    throw err;
  } finally {
    client.off('error', ignore);
    client.release(notReusable.has(client));
  }
}
