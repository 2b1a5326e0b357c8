/** One sample of the Prometheus text format. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Parses an exposition (comments and malformed lines skipped). */
export function parsePrometheus(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = LINE.exec(line.trim());
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, '$1');
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

/** Sum of the samples named `name` whose labels include `match`. */
export function sum(samples: Sample[], name: string, match: Record<string, string> = {}): number {
  let total = 0;
  for (const s of samples) if (s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v)) total += s.value;
  return total;
}

/** Cumulative histogram buckets (upper bound → count), summed over label sets. */
export type Buckets = Array<[number, number]>;

export function buckets(samples: Sample[], histogram: string): Buckets {
  return bucketsBy(samples, histogram, undefined).get('') ?? [];
}

/** Cumulative buckets per value of `label` (all together under '' when no label is given). */
export function bucketsBy(samples: Sample[], histogram: string, label: string | undefined): Map<string, Buckets> {
  const by = new Map<string, Map<number, number>>();
  for (const s of samples) {
    if (s.name !== `${histogram}_bucket`) continue;
    const key = label === undefined ? '' : (s.labels[label] ?? '');
    const byLe = by.get(key) ?? new Map<number, number>();
    by.set(key, byLe);
    const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
    byLe.set(le, (byLe.get(le) ?? 0) + s.value);
  }
  return new Map([...by].map(([k, m]) => [k, [...m.entries()].sort((a, b) => a[0] - b[0])]));
}

/** later − earlier per bucket (a process that restarted counts from zero again). */
export function bucketDelta(later: Buckets, earlier: Buckets | undefined): Buckets {
  const before = new Map(earlier ?? []);
  const total = later.at(-1)?.[1] ?? 0;
  const reset = total < (earlier?.at(-1)?.[1] ?? 0);
  return later.map(([le, n]) => [le, reset ? n : n - (before.get(le) ?? 0)]);
}

export function addBuckets(a: Buckets, b: Buckets): Buckets {
  const m = new Map(a);
  for (const [le, n] of b) m.set(le, (m.get(le) ?? 0) + n);
  return [...m.entries()].sort((x, y) => x[0] - y[0]);
}

/**
 * The q-quantile of cumulative buckets, interpolated linearly inside its bucket as Prometheus's
 * histogram_quantile does; above the last finite bound it answers that bound. NaN when empty.
 */
export function histogramQuantile(q: number, cumulative: Buckets): number {
  const total = cumulative.at(-1)?.[1] ?? 0;
  if (total <= 0) return NaN;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const [le, count] of cumulative) {
    if (count >= rank) {
      if (le === Infinity) return prevLe;
      return prevLe + (le - prevLe) * ((rank - prevCount) / Math.max(count - prevCount, 1e-12));
    }
    prevLe = le;
    prevCount = count;
  }
  return prevLe;
}
