import type { Chart } from '../report-html';
import type { Snapshot } from './snapshot';

/** One Deployment before, during and after the ramp. */
export interface HpaRow {
  deployment: string;
  min?: number;
  max?: number;
  before: number;
  /** Most pods during the load (and the CPU % then). */
  peak: number;
  after: number;
  cpuBefore?: number;
  cpuPeak?: number;
  cpuAfter?: number;
  /** From the start of the load to the first snapshot with more pods than before. */
  scaleUpAfterMs?: number;
  /** From the end of the load to the first snapshot back at the count before. */
  scaleDownAfterMs?: number;
  /** It reached its HPA's maximum (ScalingLimited) during the load. */
  hitMax: boolean;
}

const last = <T>(xs: T[]) => xs[xs.length - 1];

/** The before/during/after table of a drill (`loadStart`/`loadEnd` epoch ms). */
export function hpaRows(snapshots: Snapshot[], loadStart: number, loadEnd: number): HpaRow[] {
  const sorted = [...snapshots].sort((a, b) => a.at - b.at);
  const before = sorted.filter((s) => s.phase === 'before');
  const during = sorted.filter((s) => s.phase === 'during');
  const after = sorted.filter((s) => s.phase === 'after');
  if (!before.length || !during.length) throw new Error('the drill needs snapshots from before and during the load');
  const names = [...new Set(sorted.flatMap((s) => s.deployments.map((d) => d.name)))].sort();
  return names.map((deployment) => {
    const of = (s: Snapshot | undefined) => s?.deployments.find((d) => d.name === deployment);
    const start = of(last(before));
    const beforeCount = start?.replicas ?? 0;
    const peakSnap = during.reduce<Snapshot | undefined>((best, s) => ((of(s)?.replicas ?? 0) > (of(best)?.replicas ?? -1) ? s : best), undefined);
    const end = of(last(after) ?? last(during));
    const firstUp = sorted.find((s) => s.at >= loadStart && (of(s)?.replicas ?? 0) > beforeCount);
    const backDown = after.find((s) => (of(s)?.replicas ?? Infinity) <= beforeCount);
    const peak = of(peakSnap);
    const cpus = during.map((s) => of(s)?.hpa?.cpuPercent).filter((c): c is number => c !== undefined);
    return {
      deployment,
      min: start?.hpa?.min,
      max: start?.hpa?.max,
      before: beforeCount,
      peak: peak?.replicas ?? 0,
      after: end?.replicas ?? 0,
      cpuBefore: start?.hpa?.cpuPercent,
      cpuPeak: cpus.length ? Math.max(...cpus) : undefined,
      cpuAfter: end?.hpa?.cpuPercent,
      scaleUpAfterMs: firstUp ? firstUp.at - loadStart : undefined,
      scaleDownAfterMs: firstUp && backDown ? Math.max(0, backDown.at - loadEnd) : undefined,
      hitMax: during.some((s) => {
        const d = of(s);
        return Boolean(d?.hpa && (d.hpa.limited || d.replicas >= d.hpa.max) && d.replicas > beforeCount);
      }),
    };
  });
}

const secs = (ms?: number) => (ms === undefined ? '-' : `${Math.round(ms / 1000)} s`);
const pct = (p?: number) => (p === undefined ? '-' : `${p}%`);

export function formatHpaTable(rows: HpaRow[]): string[] {
  const head = ['deployment', 'hpa', 'before', 'peak', 'after', 'cpu before/peak/after', 'scaled up after', 'back down after'];
  const body = rows.map((r) => [
    r.deployment,
    r.min === undefined ? 'none' : `${r.min}..${r.max}`,
    String(r.before),
    `${r.peak}${r.hitMax ? ' (max)' : ''}`,
    String(r.after),
    `${pct(r.cpuBefore)} / ${pct(r.cpuPeak)} / ${pct(r.cpuAfter)}`,
    secs(r.scaleUpAfterMs),
    r.scaleUpAfterMs === undefined ? '-' : r.scaleDownAfterMs === undefined ? 'not yet' : secs(r.scaleDownAfterMs),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  return [head, ...body].map((cols) => `  ${cols.map((c, i) => c.padEnd(widths[i]!)).join('  ')}`);
}

/** Pods and CPU per Deployment over the drill, seconds since the load started. */
export function hpaCharts(snapshots: Snapshot[], loadStart: number, loadEnd: number): Chart[] {
  const sorted = [...snapshots].sort((a, b) => a.at - b.at);
  const t0 = sorted[0]?.at ?? loadStart;
  const x = sorted.map((s) => Math.round((s.at - t0) / 1000));
  const names = [...new Set(sorted.flatMap((s) => s.deployments.map((d) => d.name)))].sort();
  const markers = [
    { x: Math.round((loadStart - t0) / 1000), label: 'load starts' },
    { x: Math.round((loadEnd - t0) / 1000), label: 'load ends' },
  ];
  const line = (pick: (d: Snapshot['deployments'][number] | undefined) => number | null) =>
    names.map((name) => ({ name, x, y: sorted.map((s) => pick(s.deployments.find((d) => d.name === name))) }));
  return [
    { title: 'Pods per Deployment', unit: 'replicas', lines: line((d) => d?.replicas ?? null), markers },
    { title: 'CPU per Deployment (HPA status)', unit: '% of request', lines: line((d) => d?.hpa?.cpuPercent ?? null), markers },
  ];
}
