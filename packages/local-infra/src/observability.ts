import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ensurePrometheus, ensureZipkinJar } from './observability-tools';
import { readText, startWatched, tail, type WatchedProcess } from './processes';
import { foodmeshDir, freshRoot, persistentRoot, repoRoot, reservePort, sleep, type Log } from './util';

/** Where a running `npm start -- --observe` advertises its backends: { pid, zipkinUrl, prometheusUrl }. */
export const observabilityFile = path.join(foodmeshDir, 'observability.json');

/** The project's recording rules: the same file the cluster's PrometheusRule is rendered from. */
export const RULES_FILE = path.join(repoRoot, 'observability/prometheus/rules.yaml');

/** One scrape target: a service process's /metrics. */
export interface MetricsTarget {
  service: string;
  metricsPort: number;
}

export interface Observability {
  /** Zipkin: its UI at `${zipkinUrl}/zipkin/`, its API at `${zipkinUrl}/api/v2/`. */
  zipkinUrl: string;
  /** Prometheus's HTTP API (`/api/v1/query`). */
  prometheusUrl: string;
  /** What every service of the stack gets: spans to Zipkin; the edge's operations page reads Prometheus and links to traces. */
  serviceEnv: Record<string, string>;
  /** What Prometheus scrapes: one target per service process (it follows the file at once). */
  setTargets(targets: MetricsTarget[]): void;
  stop(): Promise<void>;
}

export interface ObservabilityOptions {
  /** Keep Prometheus's data across runs (npm start); default: a fresh folder removed on stop. */
  persistent?: boolean;
  log?: Log;
  /** Seconds between scrapes and rule evaluations (default 2: a local stack is small, and a person watches it live). */
  intervalSeconds?: number;
  readyTimeoutMs?: number;
}

/** Starts a trace backend with a UI (Zipkin) and Prometheus with the project's recording rules, side by side. */
export async function startObservability(opts: ObservabilityOptions = {}): Promise<Observability> {
  const log = opts.log ?? (() => {});
  const root = path.join(opts.persistent ? persistentRoot() : freshRoot(), 'observability');
  const timeoutMs = opts.readyTimeoutMs ?? 180_000;
  const [zipkin, prometheus] = await Promise.allSettled([
    startZipkin(path.join(root, 'zipkin'), log, timeoutMs),
    startPrometheus(path.join(root, 'prometheus'), opts.intervalSeconds ?? 2, log, timeoutMs),
  ]);
  const stopBoth = () => Promise.all([zipkin, prometheus].map((r) => (r.status === 'fulfilled' ? r.value.stop() : undefined)));
  if (zipkin.status === 'rejected' || prometheus.status === 'rejected') {
    await stopBoth();
    throw zipkin.status === 'rejected' ? zipkin.reason : (prometheus as PromiseRejectedResult).reason;
  }
  const z = zipkin.value;
  const p = prometheus.value;
  return {
    zipkinUrl: z.url,
    prometheusUrl: p.url,
    serviceEnv: {
      OTEL_TRACES_EXPORTER: 'zipkin',
      OTEL_EXPORTER_ZIPKIN_ENDPOINT: `${z.url}/api/v2/spans`,
      // A person looking for the trace they just made should not wait the default 5 s.
      OTEL_BSP_SCHEDULE_DELAY: '1000',
      OPS_PROMETHEUS_URL: p.url,
      OPS_TRACE_URL: `${z.url}/zipkin/traces/{traceId}`,
    },
    setTargets: p.setTargets,
    stop: async () => {
      await stopBoth();
      if (!opts.persistent) rmSync(path.dirname(root), { recursive: true, force: true });
    },
  };
}

interface Backend {
  url: string;
  stop(): Promise<void>;
}

/** Polls `url` until it answers 2xx; fails early when the process has exited. */
async function waitHttpReady(name: string, url: string, proc: WatchedProcess, outFile: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const exited = proc.exitCode();
    if (exited !== undefined) throw new Error(`${name} exited (code ${exited}) while starting; see ${outFile}:\n${tail(readText(outFile), 15)}`);
    const ok = await fetch(url, { signal: AbortSignal.timeout(2000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    if (Date.now() > deadline) {
      await proc.stop(5000);
      throw new Error(`${name} was not ready within ${timeoutMs / 1000} s; see ${outFile}:\n${tail(readText(outFile), 15)}`);
    }
    await sleep(250);
  }
}

/** Zipkin (in-memory storage) on a port below the ephemeral range, bound to loopback. */
async function startZipkin(dir: string, log: Log, timeoutMs: number): Promise<Backend> {
  const jar = await ensureZipkinJar(log);
  mkdirSync(dir, { recursive: true });
  const reservation = await reservePort();
  const url = `http://127.0.0.1:${reservation.port}`;
  const outFile = path.join(dir, 'zipkin.out');
  const proc = startWatched(
    'java',
    [
      '-Xms64m',
      '-Xmx384m',
      '-XX:+ExitOnOutOfMemoryError',
      '-Djava.awt.headless=true',
      '-jar',
      jar,
      `--armeria.ports[0].port=${reservation.port}`,
      '--armeria.ports[0].ip=127.0.0.1',
      '--armeria.ports[0].protocols[0]=http',
      // Bounded like the heap: the oldest traces go first.
      '--zipkin.storage.mem.max-spans=200000',
    ],
    { outFile },
  );
  const stop = async () => {
    await proc.stop(10_000);
    reservation.release();
  };
  try {
    await waitHttpReady('Zipkin', `${url}/health`, proc, outFile, timeoutMs);
  } catch (err) {
    reservation.release();
    throw err;
  }
  log(`Zipkin ${url}/zipkin/`);
  return { url, stop };
}

/** Prometheus with the recording rules, scraping the targets written by setTargets (file-based discovery). */
async function startPrometheus(dir: string, intervalSeconds: number, log: Log, timeoutMs: number): Promise<Backend & { setTargets(t: MetricsTarget[]): void }> {
  const { prometheus } = await ensurePrometheus(log);
  mkdirSync(dir, { recursive: true });
  const targetsFile = path.join(dir, 'targets.json');
  const setTargets = (targets: MetricsTarget[]) => {
    const groups = targets.map((t) => ({ targets: [`127.0.0.1:${t.metricsPort}`], labels: { service: t.service } }));
    writeFileSync(`${targetsFile}.tmp`, JSON.stringify(groups, null, 2));
    renameSync(`${targetsFile}.tmp`, targetsFile); // Prometheus never reads half a file
  };
  setTargets([]);
  const configFile = path.join(dir, 'prometheus.yml');
  writeFileSync(configFile, prometheusConfig({ intervalSeconds, targetsFile }));
  const reservation = await reservePort();
  const url = `http://127.0.0.1:${reservation.port}`;
  const outFile = path.join(dir, 'prometheus.out');
  const proc = startWatched(
    prometheus,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      '--storage.tsdb.retention.time=2d',
      `--web.listen-address=127.0.0.1:${reservation.port}`,
    ],
    { outFile },
  );
  const stop = async () => {
    await proc.stop(10_000);
    reservation.release();
  };
  try {
    await waitHttpReady('Prometheus', `${url}/-/ready`, proc, outFile, timeoutMs);
  } catch (err) {
    reservation.release();
    throw err;
  }
  log(`Prometheus ${url} (HTTP API; rules from ${path.relative(repoRoot, RULES_FILE)})`);
  return { url, stop, setTargets };
}

/**
 * Every service process is one target labelled `service` (as the cluster's PodMonitor labels pods);
 * honor_labels keeps the `service` label the services put on their own metrics.
 */
export function prometheusConfig(o: { intervalSeconds: number; targetsFile: string; rulesFile?: string }): string {
  return [
    'global:',
    `  scrape_interval: ${o.intervalSeconds}s`,
    `  evaluation_interval: ${o.intervalSeconds}s`,
    'rule_files:',
    `  - ${JSON.stringify(o.rulesFile ?? RULES_FILE)}`,
    'scrape_configs:',
    '  - job_name: foodmesh',
    '    honor_labels: true',
    '    file_sd_configs:',
    `      - files: [${JSON.stringify(o.targetsFile)}]`,
    '',
  ].join('\n');
}
