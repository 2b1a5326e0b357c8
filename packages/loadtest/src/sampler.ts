import { buckets, bucketsBy, parsePrometheus, sum, type Buckets } from './prometheus';

/** What one scrape of one process says (counters are totals since that process started). */
export interface ProcessSample {
  service: string;
  replica: number;
  up: boolean;
  /** process_start_time_seconds: tells a restarted replica's counters from the old ones. */
  startedAt: number;
  rpcs: number;
  consumed: number;
  published: number;
  outboxBacklog: number;
  consumerLag: number;
  breakerOpen: boolean;
  fallbacks: number;
  cpuSeconds: number;
  rssBytes: number;
  viewLag?: Buckets;
  /** Server handling time per RPC method (cumulative buckets, seconds). */
  handling?: Record<string, Buckets>;
}

export interface Tick {
  /** ms since the sampler started */
  t: number;
  processes: ProcessSample[];
}

export interface MetricsTarget {
  service: string;
  replica: number;
  url: string;
}

const DOWN = {
  up: false,
  startedAt: 0,
  rpcs: 0,
  consumed: 0,
  published: 0,
  outboxBacklog: 0,
  consumerLag: 0,
  breakerOpen: false,
  fallbacks: 0,
  cpuSeconds: 0,
  rssBytes: 0,
};

export async function scrape(target: MetricsTarget, timeoutMs: number): Promise<ProcessSample> {
  const id = { service: target.service, replica: target.replica };
  try {
    const res = await fetch(target.url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return { ...id, ...DOWN };
    const s = parsePrometheus(await res.text());
    const lag = buckets(s, 'orderview_event_to_view_lag_seconds');
    return {
      ...id,
      up: true,
      startedAt: sum(s, 'process_start_time_seconds'),
      rpcs: sum(s, 'grpc_server_handled_total'),
      consumed: sum(s, 'events_consumed_total'),
      published: sum(s, 'outbox_events_published_total'),
      outboxBacklog: sum(s, 'outbox_backlog'),
      consumerLag: sum(s, 'kafka_consumer_lag'),
      breakerOpen: s.some((x) => x.name === 'resilience_circuit_breaker_state' && x.value === 2),
      fallbacks: sum(s, 'resilience_fallbacks_total'),
      cpuSeconds: sum(s, 'process_cpu_seconds_total'),
      rssBytes: sum(s, 'process_resident_memory_bytes'),
      ...(lag.length ? { viewLag: lag } : {}),
      handling: Object.fromEntries(bucketsBy(s, 'grpc_server_handling_seconds', 'method')),
    };
  } catch {
    return { ...id, ...DOWN };
  }
}

/** Scrapes every process of the stack each `intervalMs` until stopped (a killed replica reads as down). */
export function startSampler(targets: () => MetricsTarget[], intervalMs = 1000) {
  const t0 = Date.now();
  const ticks: Tick[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const at = Date.now();
      ticks.push({ t: at - t0, processes: await Promise.all(targets().map((x) => scrape(x, intervalMs * 0.8))) });
      await new Promise((r) => setTimeout(r, Math.max(0, intervalMs - (Date.now() - at))));
    }
  })();
  return {
    ticks,
    /** Takes a last sample and stops. */
    async stop(): Promise<Tick[]> {
      running = false;
      await loop;
      return ticks;
    },
  };
}
