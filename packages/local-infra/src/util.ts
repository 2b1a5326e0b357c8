import { createHash } from 'node:crypto';
import { accessSync, chmodSync, constants, existsSync, statfsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Progress sink: one human-readable line at a time. */
export type Log = (line: string) => void;

/** packages/local-infra (this file lives in src/ under ts-jest and dist/ when compiled). */
export const packageDir = path.resolve(__dirname, '..');
export const repoRoot = path.resolve(packageDir, '../..');
/** Git-ignored per-checkout folder for caches and the infra state file. */
export const foodmeshDir = path.join(repoRoot, '.foodmesh');

/**
 * Persistent data for `npm start`, per checkout. Outside the checkout because the
 * `postgres` user may not be able to traverse it (CI clones anywhere).
 */
export function persistentRoot(): string {
  const hash = createHash('sha256').update(repoRoot).digest('hex').slice(0, 10);
  return traversableDir(path.join('/var/tmp/foodmesh', hash));
}

/**
 * Where throwaway data goes: tmpfs (/dev/shm) when there is one, else the temp folder.
 * A test run's data dies with it, so durability buys nothing, and on a busy disk the
 * KRaft controller's fsyncs stalled for up to 18 s: long enough to fence the broker
 * and leave every partition without a leader in the middle of a test.
 */
export function scratchBase(): string {
  const override = process.env.FOODMESH_SCRATCH_DIR;
  if (override) return override;
  try {
    const shm = statfsSync('/dev/shm');
    // A full test run keeps a few hundred MB there (a database per test); containers often give /dev/shm 64 MB.
    if (shm.type === TMPFS_MAGIC && shm.bavail * shm.bsize >= 2 * 2 ** 30) {
      accessSync('/dev/shm', constants.W_OK);
      return '/dev/shm';
    }
  } catch {
    /* no /dev/shm here */
  }
  return tmpdir();
}
const TMPFS_MAGIC = 0x01021994;

/**
 * A fresh folder for one test run (mkdtemp makes it 0700; the postgres user must traverse it).
 * Tagged with our pid so that folders of killed runs are swept by the next run.
 */
export function freshRoot(): string {
  const base = scratchBase();
  for (const name of readdirSync(base)) {
    if (!name.startsWith(FRESH_PREFIX)) continue;
    const dir = path.join(base, name);
    try {
      const owner = Number(readFileSync(path.join(dir, 'owner.pid'), 'utf8'));
      if (!(owner > 0) || isAlive(owner)) continue;
      // A killed run can leave its PostgreSQL behind (Kafka's watchdog stops the broker by itself).
      const pidFile = path.join(dir, 'pg', 'postmaster.pid');
      const pg = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').split('\n')[0]) : 0;
      if (pg > 0 && isAlive(pg)) process.kill(pg, 'SIGQUIT'); // immediate shutdown: its data is being deleted
      rmSync(dir, { recursive: true, force: true });
    } catch {
      /* not ours, or just being created */
    }
  }
  const dir = mkdtempSync(path.join(base, FRESH_PREFIX));
  chmodSync(dir, 0o755);
  writeFileSync(path.join(dir, 'owner.pid'), String(process.pid));
  return dir;
}
const FRESH_PREFIX = 'foodmesh-test-';

export function traversableDir(dir: string): string {
  mkdirSync(dir, { recursive: true });
  for (let d = dir; d !== path.dirname(d) && d.startsWith('/var/tmp/foodmesh'); d = path.dirname(d)) chmodSync(d, 0o755);
  return dir;
}

/** A port held for one server of ours until `release()`. */
export interface PortReservation {
  port: number;
  release(): void;
}

const RESERVATIONS_DIR = path.join(tmpdir(), 'foodmesh-ports');

/**
 * The OS's ephemeral range (outgoing connections take their local port from it). A port picked
 * there and released before the server binds it can be taken meanwhile by any client socket
 * (seen: EADDRINUSE in the middle of a test run), so our servers never listen there.
 */
export function ephemeralRange(): [number, number] {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (low! > 0 && high! >= low!) return [low!, high!];
  } catch {
    /* not Linux */
  }
  return [32768, 60999];
}

/**
 * Reserves a port below the ephemeral range for a server this process is about to start (PostgreSQL,
 * Kafka): no client socket is handed such a port, a lock file keeps concurrent runs of ours off it,
 * and a test bind proves that nothing else listens there. Servers we write ourselves bind port 0
 * instead and report what they got (see startStack).
 */
export async function reservePort(): Promise<PortReservation> {
  const [ephemeralLow] = ephemeralRange();
  const low = ephemeralLow > 12_000 ? 10_000 : 1024;
  const high = ephemeralLow - 1;
  mkdirSync(RESERVATIONS_DIR, { recursive: true });
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low + 1));
    const lock = path.join(RESERVATIONS_DIR, String(port));
    if (!claim(lock)) continue;
    if (await canBind(port)) {
      heldLocks.add(lock);
      if (heldLocks.size === 1) process.on('exit', releaseAllLocks);
      return {
        port,
        release: () => {
          if (!heldLocks.delete(lock)) return;
          rmSync(lock, { force: true });
          if (heldLocks.size === 0) process.off('exit', releaseAllLocks);
        },
      };
    }
    rmSync(lock, { force: true });
  }
  throw new Error(`no free port between ${low} and ${high} after 200 tries`);
}

/** Lock files of this process's reservations, removed when it exits (a killed run's are taken over by claim). */
const heldLocks = new Set<string>();
function releaseAllLocks(): void {
  for (const lock of heldLocks) rmSync(lock, { force: true });
}

/** Creates the lock file, taking over one whose owner is dead; false if a live process holds it. */
function claim(lock: string): boolean {
  for (let tries = 0; tries < 2; tries++) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number(readText(lock));
      if (owner > 0 && isAlive(owner)) return false;
      rmSync(lock, { force: true }); // left by a killed run
    }
  }
  return false;
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls until `pid` is gone; false on timeout. */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
  return true;
}

/** Sends `signal`, waits, then SIGKILLs. */
export async function terminate(pid: number, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  try {
    process.kill(pid, signal);
  } catch {
    return; // already gone
  }
  if (await waitForExit(pid, graceMs)) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* gone meanwhile */
  }
  await waitForExit(pid, 5000);
}
