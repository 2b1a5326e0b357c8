import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Runs a command to its end, collecting stdout and stderr together. */
export function run(cmd: string, args: string[], opts: { cwd?: string } = {}): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: opts.cwd });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

export const readText = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : '');
export const tail = (text: string, lines: number) => text.trimEnd().split('\n').slice(-lines).join('\n');

/**
 * A folder filled once and reused while `stamp` is unchanged (downloaded jars): filled aside,
 * then renamed into place, so a crash never leaves half a cache, and concurrent runs are safe.
 */
export async function cachedDir(dir: string, stamp: string, fill: (tmp: string) => Promise<void>): Promise<string> {
  const marker = path.join(dir, '.complete');
  if (existsSync(marker) && readFileSync(marker, 'utf8') === stamp) return dir;
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  try {
    await fill(tmp);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  writeFileSync(path.join(tmp, '.complete'), stamp);
  rmSync(dir, { recursive: true, force: true });
  try {
    renameSync(tmp, dir);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(marker)) throw err; // else a concurrent run finished first
  }
  return dir;
}

/** A server process of ours (Kafka's JVM, Zipkin, Prometheus) that cannot outlive us. */
export interface WatchedProcess {
  /** Resolves with the exit code when the process ends, for whatever reason. */
  exited: Promise<number | null>;
  /** The exit code once it has ended; undefined while it runs. */
  exitCode(): number | null | undefined;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it is gone. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts `command args…` under a tiny sh watchdog: when our stdin pipe closes (stop(), or this
 * Node process dying for any reason, even SIGKILL) it SIGTERMs the server; it runs in its own
 * process group, so a terminal's Ctrl-C reaches us first and we shut down in order. Its
 * stdout and stderr go to `outFile`.
 */
export function startWatched(command: string, args: string[], opts: { outFile: string; env?: NodeJS.ProcessEnv; cwd?: string }): WatchedProcess {
  const watchdog = 'exec 3<&0 0</dev/null; "$@" 3<&- & j=$!; (read _ <&3; kill -TERM $j 2>/dev/null) & w=$!; ' + 'wait $j; s=$?; kill $w 2>/dev/null; exit $s';
  const outFd = openSync(opts.outFile, 'a');
  const child: ChildProcess = spawn('sh', ['-c', watchdog, 'sh', command, ...args], {
    stdio: ['pipe', outFd, outFd],
    detached: true,
    env: opts.env,
    cwd: opts.cwd,
  });
  closeSync(outFd);
  const pgid = child.pid!;
  let code: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (c) => resolve((code = c))));
  const killGroup = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pgid, sig);
    } catch {
      /* gone */
    }
  };
  const onExit = () => killGroup('SIGTERM');
  process.on('exit', onExit);
  return {
    exited,
    exitCode: () => code,
    stop: async (graceMs = 20_000) => {
      process.off('exit', onExit);
      child.stdin?.end(); // the watchdog SIGTERMs the server: a clean shutdown
      const timer = setTimeout(() => killGroup('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
