import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU per process group of this run, from the kernel's own accounting (/proc/<pid>/stat): every
 * process this one started (the services, PostgreSQL's backends, the Kafka JVM, ghz) and itself
 * (the crew, the sampler). A benchmark takes a snapshot before and after and divides the difference
 * by the work done, so a regression shows in the process that caused it. Linux only; elsewhere
 * every snapshot is empty.
 */
export type CpuSnapshot = Map<string, number>;

/** Clock ticks per second of /proc's times (USER_HZ: 100 on every Linux we run on). */
const HZ = 100;

interface Stat {
  pid: number;
  ppid: number;
  comm: string;
  /** utime + stime, ticks */
  own: number;
  /** cutime + cstime: children it has waited for, ticks */
  reaped: number;
}

function readStat(pid: number): Stat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm is in parentheses and may itself contain spaces or parentheses.
    const close = text.lastIndexOf(')');
    const comm = text.slice(text.indexOf('(') + 1, close);
    const f = text.slice(close + 2).split(' ');
    // Fields after comm, 0-based: 1 ppid, 11 utime, 12 stime, 13 cutime, 14 cstime.
    return { pid, ppid: Number(f[1]), comm, own: Number(f[11]) + Number(f[12]), reaped: Number(f[13]) + Number(f[14]) };
  } catch {
    return undefined; // gone meanwhile
  }
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/** Which group a descendant belongs to: a service (by its main script), PostgreSQL, Kafka, ghz. */
function groupOf(s: Stat): string | undefined {
  if (s.comm === 'postgres') return 'postgres';
  if (s.comm === 'java') return 'kafka';
  if (s.comm === 'ghz') return 'ghz';
  const service = /\/services\/([a-z-]+)\/dist\/main\.js/.exec(cmdline(s.pid));
  return service ? service[1] : undefined;
}

/**
 * CPU seconds so far per group of this process's descendants, plus `runner` (this process: the
 * crew and the sampler). What a group's processes have reaped counts to that group (PostgreSQL's
 * ended backends); what this process has reaped is ghz's finished runs.
 */
export function cpuSnapshot(root = process.pid): CpuSnapshot {
  const out: CpuSnapshot = new Map();
  let pids: number[];
  try {
    pids = readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .map(Number);
  } catch {
    return out;
  }
  const stats = new Map<number, Stat>();
  for (const pid of pids) {
    const s = readStat(pid);
    if (s) stats.set(pid, s);
  }
  const add = (group: string, ticks: number) => out.set(group, (out.get(group) ?? 0) + ticks / HZ);
  const self = stats.get(root);
  if (!self) return out;
  add('runner', self.own);
  add('ghz', self.reaped);
  const isDescendant = (s: Stat): boolean => {
    for (let p = s.ppid, hops = 0; p > 1 && hops < 16; hops++) {
      if (p === root) return true;
      p = stats.get(p)?.ppid ?? 0;
    }
    return false;
  };
  for (const s of stats.values()) {
    if (s.pid === root || !isDescendant(s)) continue;
    const group = groupOf(s);
    if (group) add(group, s.own + s.reaped);
  }
  return out;
}

/** Milliseconds of CPU per unit of work between two snapshots, per group, with the total; groups sorted by cost. */
export function cpuMsPer(before: CpuSnapshot, after: CpuSnapshot, units: number): Record<string, number> {
  if (units <= 0) return {};
  const rows = [...after].map(([group, s]) => [group, ((s - (before.get(group) ?? 0)) * 1000) / units] as const).filter(([, ms]) => ms > 0);
  rows.sort((a, b) => b[1] - a[1]);
  const total = rows.reduce((n, [, ms]) => n + ms, 0);
  const round = (x: number) => Math.round(x * 100) / 100;
  return { ...Object.fromEntries(rows.map(([g, ms]) => [g, round(ms)])), total: round(total) };
}

/** % of one core each process group uses over `ms` (e.g. a stack with nothing to do). */
export async function idleCpu(ms: number): Promise<Record<string, number>> {
  const before = cpuSnapshot();
  await new Promise((r) => setTimeout(r, ms));
  const { total: _total, ...perGroup } = cpuMsPer(before, cpuSnapshot(), ms / 100);
  return perGroup;
}
