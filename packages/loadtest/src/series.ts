import { addBuckets, bucketDelta, histogramQuantile, type Buckets } from './prometheus';
import type { ProcessSample, Tick } from './sampler';

export interface ReplicaShare {
  replica: number;
  rpcs: number;
  consumed: number;
  published: number;
  /** Share of its service's RPCs / consumed events (0..1; NaN when the service had none). */
  rpcShare: number;
  consumedShare: number;
  /** Scrapes it did not answer (killed, restarting, or too busy to answer in time). */
  unanswered: number;
}

/** The stack over the run, one value per sample interval, derived from the scrapes. */
export interface StackSeries {
  /** End of each interval, seconds since the sampler started. */
  seconds: number[];
  services: Record<string, { rpcRate: number[]; consumedRate: number[]; consumerLag: number[]; outboxBacklog: number[]; cpuCores: number[]; rssMiB: number[] }>;
  breakerOpenReplicas: number[];
  fallbacksRate: number[];
  viewLagP50Ms: Array<number | null>;
  viewLagP99Ms: Array<number | null>;
  replicas: Record<string, ReplicaShare[]>;
  totals: { fallbacks: number; breakerOpenSamples: number; viewLagCount: number; viewLagP50Ms: number; viewLagP99Ms: number };
  /** Mean CPU per service while the load ran (or over all samples), in cores (all its replicas). */
  cpuCores: Record<string, number>;
  /** Where the time goes: server handling time per service and method over the run, busiest first. */
  methods: Array<{ service: string; method: string; count: number; p50Ms: number; p99Ms: number }>;
}

type Counter = 'rpcs' | 'consumed' | 'published' | 'fallbacks' | 'cpuSeconds';

/** Growth of a counter since the last sample of the same process; a restarted process counts from zero. */
function growth(cur: ProcessSample, prev: ProcessSample | undefined, key: Counter): number {
  if (!prev) return 0;
  if (prev.startedAt !== cur.startedAt) return cur[key];
  return Math.max(0, cur[key] - prev[key]);
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const ms = (seconds: number) => (Number.isFinite(seconds) ? round(seconds * 1000) : NaN);

/** `busy`: the sampler-relative window (ms) of the load, over which the mean CPU is taken. */
export function deriveSeries(ticks: Tick[], busy?: { from: number; to: number }): StackSeries {
  const last = new Map<string, ProcessSample>();
  const out: StackSeries = {
    seconds: [],
    services: {},
    breakerOpenReplicas: [],
    fallbacksRate: [],
    viewLagP50Ms: [],
    viewLagP99Ms: [],
    replicas: {},
    totals: { fallbacks: 0, breakerOpenSamples: 0, viewLagCount: 0, viewLagP50Ms: NaN, viewLagP99Ms: NaN },
    cpuCores: {},
    methods: [],
  };
  // The first scrape of each process (a restarted replica is a new one), for the handling times.
  const firstOf = new Map<string, ProcessSample>();
  const lastOfProcess = new Map<string, ProcessSample>();
  const shares = new Map<string, ReplicaShare & { service: string }>();
  let wholeRunLag: Buckets = [];
  let prevT = 0;

  ticks.forEach((tick, i) => {
    const dt = Math.max((tick.t - prevT) / 1000, 1e-3);
    prevT = tick.t;
    let open = 0;
    let fallbacks = 0;
    let lagThisTick: Buckets = [];
    const perService = new Map<string, { rpc: number; consumed: number; lag: number; backlog: number; cpu: number; rss: number }>();
    for (const p of tick.processes) {
      const key = `${p.service}#${p.replica}`;
      const share = shares.get(key) ?? {
        service: p.service,
        replica: p.replica,
        rpcs: 0,
        consumed: 0,
        published: 0,
        rpcShare: NaN,
        consumedShare: NaN,
        unanswered: 0,
      };
      shares.set(key, share);
      const agg = perService.get(p.service) ?? { rpc: 0, consumed: 0, lag: 0, backlog: 0, cpu: 0, rss: 0 };
      perService.set(p.service, agg);
      if (!p.up) {
        share.unanswered++;
        continue;
      }
      const prev = last.get(key);
      if (!firstOf.has(`${key}@${p.startedAt}`)) firstOf.set(`${key}@${p.startedAt}`, p);
      const g = (k: Counter) => growth(p, prev, k);
      share.rpcs += g('rpcs');
      share.consumed += g('consumed');
      share.published += g('published');
      agg.rpc += g('rpcs');
      agg.consumed += g('consumed');
      agg.cpu += g('cpuSeconds');
      agg.lag += p.consumerLag;
      agg.backlog = Math.max(agg.backlog, p.outboxBacklog);
      agg.rss += p.rssBytes / 2 ** 20;
      fallbacks += g('fallbacks');
      if (p.breakerOpen) open++;
      if (p.viewLag && prev?.viewLag) {
        const d = prev.startedAt === p.startedAt ? bucketDelta(p.viewLag, prev.viewLag) : p.viewLag;
        lagThisTick = addBuckets(lagThisTick, d);
      }
      last.set(key, p);
      lastOfProcess.set(`${key}@${p.startedAt}`, p);
    }
    if (i === 0) return; // the first scrape is the baseline
    out.seconds.push(round(tick.t / 1000));
    for (const [service, a] of perService) {
      const s = (out.services[service] ??= { rpcRate: [], consumedRate: [], consumerLag: [], outboxBacklog: [], cpuCores: [], rssMiB: [] });
      s.rpcRate.push(round(a.rpc / dt));
      s.consumedRate.push(round(a.consumed / dt));
      s.consumerLag.push(a.lag);
      s.outboxBacklog.push(a.backlog);
      s.cpuCores.push(round(a.cpu / dt, 2));
      s.rssMiB.push(Math.round(a.rss));
    }
    out.breakerOpenReplicas.push(open);
    out.totals.breakerOpenSamples += open;
    out.fallbacksRate.push(round(fallbacks / dt));
    out.totals.fallbacks += fallbacks;
    const observed = lagThisTick.at(-1)?.[1] ?? 0;
    out.viewLagP50Ms.push(observed ? ms(histogramQuantile(0.5, lagThisTick)) : null);
    out.viewLagP99Ms.push(observed ? ms(histogramQuantile(0.99, lagThisTick)) : null);
    wholeRunLag = addBuckets(wholeRunLag, lagThisTick);
  });

  for (const share of shares.values()) (out.replicas[share.service] ??= []).push(share);
  for (const list of Object.values(out.replicas)) {
    list.sort((a, b) => a.replica - b.replica);
    const rpcs = list.reduce((n, r) => n + r.rpcs, 0);
    const consumed = list.reduce((n, r) => n + r.consumed, 0);
    for (const r of list) {
      r.rpcShare = rpcs ? round(r.rpcs / rpcs, 3) : NaN;
      r.consumedShare = consumed ? round(r.consumed / consumed, 3) : NaN;
    }
  }
  const inWindow = out.seconds.map((t) => !busy || (t * 1000 > busy.from && t * 1000 <= busy.to + 1000));
  for (const [service, v] of Object.entries(out.services)) {
    const xs = v.cpuCores.filter((_, i) => inWindow[i]);
    out.cpuCores[service] = xs.length ? round(xs.reduce((a, b) => a + b, 0) / xs.length, 2) : 0;
  }
  const handled = new Map<string, Buckets>();
  for (const [key, first] of firstOf) {
    const final = lastOfProcess.get(key);
    for (const [method, b] of Object.entries(final?.handling ?? {})) {
      const id = `${first.service} ${method}`;
      handled.set(id, addBuckets(handled.get(id) ?? [], bucketDelta(b, first.handling?.[method])));
    }
  }
  out.methods = [...handled]
    .map(([id, b]) => ({
      service: id.split(' ')[0]!,
      method: id.split(' ')[1]!,
      count: b.at(-1)?.[1] ?? 0,
      p50Ms: ms(histogramQuantile(0.5, b)),
      p99Ms: ms(histogramQuantile(0.99, b)),
    }))
    .filter((m) => m.count > 0)
    .sort((a, b) => b.count - a.count);
  out.totals.viewLagCount = wholeRunLag.at(-1)?.[1] ?? 0;
  out.totals.viewLagP50Ms = ms(histogramQuantile(0.5, wholeRunLag));
  out.totals.viewLagP99Ms = ms(histogramQuantile(0.99, wholeRunLag));
  return out;
}

/**
 * The smallest RPC share of any replica of a replicated service that served at least `minRpcs`
 * (the scale drill's balance; a service with a handful of calls says nothing about balancing).
 */
export function minReplicaShare(series: StackSeries, minRpcs = 100): number | undefined {
  const shares = Object.values(series.replicas)
    .filter((list) => list.length > 1 && list.reduce((n, r) => n + r.rpcs, 0) >= minRpcs)
    .flatMap((list) => list.map((r) => r.rpcShare))
    .filter((x) => Number.isFinite(x));
  return shares.length ? Math.min(...shares) : undefined;
}
