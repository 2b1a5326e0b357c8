/** The figures of a bench result that are compared run to run, and which way is better. */
export const BENCH_FIGURES: Array<{ path: string; label: string; better: 'higher' | 'lower' }> = [
  { path: 'placeOrder.rate', label: 'PlaceOrder OK/s', better: 'higher' },
  { path: 'placeOrder.p50Ms', label: 'PlaceOrder p50 ms', better: 'lower' },
  { path: 'placeOrder.p99Ms', label: 'PlaceOrder p99 ms', better: 'lower' },
  { path: 'viewLag.p50Ms', label: 'event-to-view lag p50 ms', better: 'lower' },
  { path: 'viewLag.p99Ms', label: 'event-to-view lag p99 ms', better: 'lower' },
  { path: 'quietViewLag.p50Ms', label: 'lag at 1 order/s p50 ms', better: 'lower' },
  { path: 'quietViewLag.p99Ms', label: 'lag at 1 order/s p99 ms', better: 'lower' },
  { path: 'saga.p50Ms', label: 'saga end-to-end p50 ms', better: 'lower' },
  { path: 'saga.p99Ms', label: 'saga end-to-end p99 ms', better: 'lower' },
  { path: 'echo.bare.rate', label: 'bare grpc-js echo/s', better: 'higher' },
  { path: 'echo.kit.rate', label: 'platform kit echo/s', better: 'higher' },
  { path: 'echo.kitOverBare', label: 'kit / bare throughput', better: 'higher' },
];

const at = (obj: unknown, path: string): number | undefined => {
  const v = path.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), obj);
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
};

export interface Delta {
  label: string;
  before?: number;
  now?: number;
  /** (now − before) / before, as a fraction; undefined when either is missing. */
  change?: number;
  verdict: 'better' | 'worse' | 'same' | 'n/a';
}

/** Each figure of `now` against `before`; changes within ±`noise` (default 5%) count as the same. */
export function compareBench(before: unknown, now: unknown, noise = 0.05): Delta[] {
  return BENCH_FIGURES.map(({ path, label, better }) => {
    const b = at(before, path);
    const n = at(now, path);
    if (b === undefined || n === undefined || b === 0) return { label, before: b, now: n, verdict: 'n/a' as const };
    const change = (n - b) / b;
    const improved = better === 'higher' ? change > 0 : change < 0;
    return { label, before: b, now: n, change, verdict: Math.abs(change) <= noise ? 'same' : improved ? 'better' : 'worse' };
  });
}

export function formatDeltas(deltas: Delta[]): string[] {
  const num = (v?: number) => (v === undefined ? '-' : String(Math.round(v * 100) / 100));
  return [
    `  ${'figure'.padEnd(28)} ${'baseline'.padStart(10)} ${'now'.padStart(10)} ${'change'.padStart(8)}`,
    ...deltas.map(
      (d) =>
        `  ${d.label.padEnd(28)} ${num(d.before).padStart(10)} ${num(d.now).padStart(10)} ${(d.change === undefined ? '-' : `${d.change > 0 ? '+' : ''}${Math.round(d.change * 1000) / 10}%`).padStart(8)}  ${d.verdict}`,
    ),
  ];
}
