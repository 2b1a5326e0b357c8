import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { attachOrStartStack, type StackHandle } from '@foodmesh/local-infra';
import { createGrpcClient, loadMeshPolicy } from '@foodmesh/platform';
import { Faults, PaymentAdminServiceService } from '@foodmesh/proto-gen/foodmesh/payment/v1/payment_admin';
import { machine, percentile } from '@foodmesh/bench/stats';
import { checkBooks, FINAL_STATUSES, type BooksResult } from './books';
import { callHeaders, signIn } from './credentials';
import { startCrew, type Crew, type CrewStats } from './crew';
import { ensureGhz, rotatingHeaders, type GhzReport } from './ghz';
import { runLoad } from './load';
import { htmlReport, htmlTable, svgChart, type Chart } from './report-html';
import { startSampler } from './sampler';
import { LOADTEST_DIR, totalDuration, type Scenario } from './scenario';
import { deriveSeries, minReplicaShare, type StackSeries } from './series';
import { backlog, databaseNow, readBooks, relayLeaders, runOrders, type Databases } from './stack-reads';
import { evaluateThresholds, formatMetric, type ThresholdResult } from './thresholds';
import { rpcTimeline, summarizeRpc, type RpcSummary } from './timeline';

export interface RunOptions {
  scenario: Scenario;
  log: (line: string) => void;
  /** A stack to use (tests); by default the running npm start, or one started for this run. */
  stack?: StackHandle;
  /** Play the saga crew (default: when the scenario has a `crew` section). */
  crew?: boolean;
  /** Send the load here instead of the stack's target service (e.g. an Istio ingress). */
  targetAddress?: string;
  /** Where results go (default loadtest/results/<scenario>-<timestamp>/). */
  resultsDir?: string;
}

export interface DrillEvent {
  /** ms since the load started */
  at: number;
  service: string;
  replica: number;
  what: 'killed' | 'restarted' | 'restart failed';
  detail?: string;
}

export interface RunSummary {
  scenario: string;
  description: string;
  startedAt: string;
  machine: ReturnType<typeof machine> & { loadAverageBefore: number[]; loadAverageAfter: number[] };
  stack: { origin: string; replicas: Record<string, number> };
  loadMs: number;
  rpc: RpcSummary;
  crew?: Omit<CrewStats, 'endToEndMs' | 'finishedPerSecond' | 'startedAt'> & { endToEndP50Ms: number; endToEndP99Ms: number; unfinishedExamples: unknown[] };
  /** Orders created during the run, by status (order database). */
  runOrders: Record<string, number>;
  viewLag: { count: number; p50Ms: number; p99Ms: number };
  payLater: { fallbacks: number; deferred?: number; paidLater?: number };
  breaker: { openSamples: number };
  replicas: StackSeries['replicas'];
  /** Where the time goes: mean CPU per service (cores) and the busiest methods' handling times. */
  cpuCores: StackSeries['cpuCores'];
  methods: StackSeries['methods'];
  relayLeaders: Record<string, number>;
  drained: { unpublished: number; consumerLag: number; waitedMs: number };
  drill: DrillEvent[];
  books: BooksResult;
  thresholds: ThresholdResult[];
  passed: boolean;
  resultsDir: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const firstAddress = (address: string) => address.split(',')[0]!.trim();

/** Runs a scenario end to end and writes ghz's JSON, summary.json and report.html. */
export async function runScenario(opts: RunOptions): Promise<RunSummary> {
  const { scenario, log } = opts;
  const ghz = ensureGhz(log);
  const stack = opts.stack ?? (await attachOrStartStack({ log, namespace: 'loadtest.', replicas: scenario.stack.replicas, env: scenario.stack.env }));
  const loadAverageBefore = os.loadavg();
  const startedAt = new Date();
  const dir = opts.resultsDir ?? path.join(LOADTEST_DIR, 'results', `${scenario.name}-${startedAt.toISOString().replace(/[:.]/g, '-')}`);
  mkdirSync(dir, { recursive: true });
  const service = (name: string) => {
    const s = stack.services.find((x) => x.name === name);
    if (!s) throw new Error(`the stack has no ${name} service`);
    return s;
  };
  const dbs: Databases = Object.fromEntries(stack.services.filter((s) => s.databaseUrl).map((s) => [s.name, s.databaseUrl!]));
  const loadMs = totalDuration(scenario.load);
  const withCrew = (opts.crew ?? true) && scenario.crew !== undefined;
  const crewSettings = scenario.crew;
  let crew: Crew | undefined;
  let faultsSet = false;
  const admins = (scenario.stack.paymentFaults ? service('payment').address.split(',') : []).map((address) =>
    createGrpcClient(PaymentAdminServiceService, { address: address.trim(), upstream: 'payment', policy: loadMeshPolicy(), resilienceMode: 'mesh', caller: 'loadtest' }),
  );
  const setFaults = (faults: Faults) => Promise.all(admins.map((a) => a.setFaults({ faults })));

  try {
    const edge = firstAddress(service('edge').address);
    const users = await signIn(edge, {
      validForMs: loadMs + (crewSettings?.drainTimeout ?? 0) + 10 * 60_000,
      userIds: withCrew ? undefined : scenario.as,
    });
    for (const id of scenario.as) if (!users.has(id)) throw new Error(`${scenario.file}: as: there is no demo user "${id}"`);
    const runStart = await databaseNow(dbs.order!);

    if (scenario.stack.paymentFaults) {
      await setFaults(Faults.fromPartial(scenario.stack.paymentFaults));
      faultsSet = true;
      log(`payment faults set on ${admins.length} replica(s): ${JSON.stringify(scenario.stack.paymentFaults)}`);
    }
    if (withCrew) {
      crew = await startCrew({ edgeAddress: edge, users, kafka: stack.kafka, settings: crewSettings!, seed: 1 });
      log('crew ready (owners, riders and customers of the demo directory)');
    }
    // The load: each stage one ghz run; the scale drill kills and restarts replicas meanwhile.
    const target = opts.targetAddress ?? firstAddress(service(scenario.target).address);
    const metadata = rotatingHeaders(
      scenario.as.map((id) => callHeaders(users.get(id)!, scenario.target)),
      scenario.requests.length,
    );
    await runLoad({ ghz, scenario, target, metadata, dir, log, part: 'warmup' });
    const sampler = startSampler(() => stack.metricsTargets());
    const samplerStart = Date.now();
    const loadStart = Date.now();
    const drill: DrillEvent[] = [];
    const drillDone = runDrill(scenario, stack, loadStart, drill, log);
    const reports = await runLoad({ ghz, scenario, target, metadata, dir, log });
    await drillDone;
    const loadEnd = Date.now();

    if (faultsSet) {
      await setFaults(Faults.fromPartial({}));
      faultsSet = false;
      log('payment faults cleared: the crew pays the deferred orders');
    }
    let unfinishedExamples: unknown[] = [];
    if (crew) {
      log(`draining: every saga of the run to its end (at most ${crewSettings!.drainTimeout / 1000} s)…`);
      // The order database knows every order of the run, also those whose events the crew has not seen yet.
      const deadline = Date.now() + crewSettings!.drainTimeout;
      while (Date.now() < deadline) {
        const open = Object.entries(await runOrders(dbs.order!, runStart)).filter(([status]) => !FINAL_STATUSES.has(status));
        if (open.length === 0 && crew.unfinished().length === 0) break;
        await sleep(500);
      }
      unfinishedExamples = crew.unfinished().slice(0, 20);
    }
    const drained = await waitUntilDrained(dbs, stack.kafka, 60_000);
    const ticks = await sampler.stop();
    const series = deriveSeries(ticks, { from: loadStart - samplerStart, to: loadEnd - samplerStart });
    const [books, leaders, ordersOfRun] = await Promise.all([readBooks(dbs).then(checkBooks), relayLeaders(dbs), runOrders(dbs.order!, runStart)]);
    if (drained.unpublished || drained.consumerLag) {
      // Say first why the rest may only be behind rather than wrong.
      books.problems.unshift(`the stack had not drained after ${Math.round(drained.waitedMs / 1000)} s (${drained.unpublished} events unpublished, consumer lag ${drained.consumerLag}): what follows may be in flight`);
      books.balanced = false;
    }
    const crewStats = crew?.stats();

    const rpc = summarizeRpc(reports);
    const finalCount = Object.entries(ordersOfRun).filter(([s]) => FINAL_STATUSES.has(s)).reduce((n, [, c]) => n + c, 0);
    const allCount = Object.values(ordersOfRun).reduce((n, c) => n + c, 0);
    const e2e = [...(crewStats?.endToEndMs ?? [])].sort((a, b) => a - b);
    const measured: Record<string, number | undefined> = {
      'rpc.rate': rpc.rate,
      'rpc.p50': rpc.p50Ms,
      'rpc.p95': rpc.p95Ms,
      'rpc.p99': rpc.p99Ms,
      'rpc.errorRate': rpc.errorRate,
      'sagas.completed': finalCount,
      'sagas.unfinished': allCount - finalCount,
      'sagas.p50': e2e.length ? percentile(e2e, 50) : undefined,
      'sagas.p99': e2e.length ? percentile(e2e, 99) : undefined,
      'crew.failures': crewStats?.failureCount,
      'viewLag.p50': series.totals.viewLagP50Ms,
      'viewLag.p99': series.totals.viewLagP99Ms,
      'payLater.deferred': crewStats?.deferred ?? series.totals.fallbacks,
      'payLater.paidLater': crewStats?.paidLater,
      'breaker.openSamples': series.totals.breakerOpenSamples,
      'replicas.minShare': minReplicaShare(series),
    };
    const thresholds = evaluateThresholds(scenario.thresholds, measured);
    const summary: RunSummary = {
      scenario: scenario.name,
      description: scenario.description,
      startedAt: startedAt.toISOString(),
      machine: { ...machine(), loadAverageBefore: loadAverageBefore.map((x) => Math.round(x * 100) / 100), loadAverageAfter: os.loadavg().map((x) => Math.round(x * 100) / 100) },
      stack: { origin: stack.origin, replicas: Object.fromEntries(stack.services.map((s) => [s.name, s.address.split(',').length])) },
      loadMs,
      rpc,
      ...(crewStats
        ? {
            crew: {
              sagas: crewStats.sagas,
              actions: crewStats.actions,
              failures: crewStats.failures,
              failureCount: crewStats.failureCount,
              deferred: crewStats.deferred,
              paidLater: crewStats.paidLater,
              endToEndP50Ms: Math.round(percentile(e2e, 50)),
              endToEndP99Ms: Math.round(percentile(e2e, 99)),
              unfinishedExamples,
            },
          }
        : {}),
      runOrders: ordersOfRun,
      viewLag: { count: series.totals.viewLagCount, p50Ms: series.totals.viewLagP50Ms, p99Ms: series.totals.viewLagP99Ms },
      payLater: { fallbacks: series.totals.fallbacks, deferred: crewStats?.deferred, paidLater: crewStats?.paidLater },
      breaker: { openSamples: series.totals.breakerOpenSamples },
      replicas: series.replicas,
      cpuCores: series.cpuCores,
      methods: series.methods.slice(0, 20),
      relayLeaders: leaders,
      drained,
      drill,
      books,
      thresholds,
      passed: books.balanced && thresholds.every((t) => t.passed),
      resultsDir: dir,
    };
    writeFileSync(path.join(dir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
    const shift = (loadStart - samplerStart) / 1000;
    writeFileSync(path.join(dir, 'report.html'), renderReport(summary, { reports, loadStart, series, shift, crewStats, loadEnd }));
    return summary;
  } finally {
    if (faultsSet) await setFaults(Faults.fromPartial({})).catch(() => undefined);
    for (const a of admins) a.close();
    await crew?.stop();
    if (!opts.stack) await stack.stop();
  }
}

/** The scale drill: SIGKILL the replica of each service at `at`, start it again `restartAfter` later. */
async function runDrill(scenario: Scenario, stack: StackHandle, loadStart: number, events: DrillEvent[], log: (l: string) => void): Promise<void> {
  const drill = scenario.drill;
  if (!drill) return;
  if (!stack.running) throw new Error(`${scenario.name}: the drill kills replicas, so it needs a stack started by this run (stop npm start, or pass none)`);
  const running = stack.running;
  const now = () => Date.now() - loadStart;
  await sleep(drill.at);
  await Promise.all(
    drill.kill.map(async (service) => {
      await running.kill(service, drill.replica, 'SIGKILL');
      events.push({ at: now(), service, replica: drill.replica, what: 'killed' });
    }),
  );
  log(`drill: SIGKILLed replica ${drill.replica} of ${drill.kill.join(', ')}`);
  await sleep(drill.restartAfter);
  log(`drill: starting them again…`);
  await Promise.all(
    drill.kill.map(async (service) => {
      try {
        await running.restart(service, drill.replica);
        events.push({ at: now(), service, replica: drill.replica, what: 'restarted' });
      } catch (err) {
        events.push({ at: now(), service, replica: drill.replica, what: 'restart failed', detail: (err as Error).message });
      }
    }),
  );
  log(`drill: ${events.filter((e) => e.what === 'restarted').length}/${drill.kill.length} replicas serve again`);
}

/** Waits until every outbox is empty and every consumer group has caught up (twice in a row). */
async function waitUntilDrained(dbs: Databases, kafka: StackHandle['kafka'], timeoutMs: number) {
  const t0 = Date.now();
  let last = { unpublished: -1, consumerLag: -1 };
  let quietTwice = 0;
  while (Date.now() - t0 < timeoutMs) {
    last = await backlog(dbs, kafka);
    quietTwice = last.unpublished === 0 && last.consumerLag === 0 ? quietTwice + 1 : 0;
    if (quietTwice >= 2) break;
    await sleep(500);
  }
  return { ...last, waitedMs: Date.now() - t0 };
}

/** The printed table: the figures a person looks at first, and why a run failed. */
export function printSummary(s: RunSummary, out: (line: string) => void = console.log): void {
  const row = (k: string, v: string) => out(`  ${k.padEnd(24)} ${v}`);
  out('');
  out(`${s.scenario}: ${s.description}`);
  row('machine', `${s.machine.cpus} × ${s.machine.cpuModel}, ${s.machine.memoryGiB} GiB, load average ${s.machine.loadAverageBefore[0]} → ${s.machine.loadAverageAfter[0]}`);
  row('stack', `${s.stack.origin}; replicas ${Object.entries(s.stack.replicas).filter(([, n]) => n > 1).map(([k, n]) => `${k}×${n}`).join(' ') || 'one each'}`);
  row('rpc', `${s.rpc.count} calls, ${s.rpc.rate}/s OK, p50 ${s.rpc.p50Ms} ms, p95 ${s.rpc.p95Ms} ms, p99 ${s.rpc.p99Ms} ms, errors ${formatMetric('rpc.errorRate', s.rpc.errorRate)} ${JSON.stringify(s.rpc.errors)}`);
  row('orders of the run', JSON.stringify(s.runOrders));
  if (s.crew) {
    row('sagas (crew)', `${Object.values(s.crew.sagas.final).reduce((a, b) => a + b, 0)} finished ${JSON.stringify(s.crew.sagas.final)}, ${s.crew.sagas.unfinished} unfinished; end-to-end p50 ${s.crew.endToEndP50Ms} ms, p99 ${s.crew.endToEndP99Ms} ms`);
    row('crew failures', `${s.crew.failureCount}${s.crew.failures.length ? `: ${s.crew.failures.slice(0, 3).join(' | ')}` : ''}`);
  }
  row('event-to-view lag', `p50 ${s.viewLag.p50Ms} ms, p99 ${s.viewLag.p99Ms} ms (${s.viewLag.count} events)`);
  row('pay-later', `${s.payLater.fallbacks} fallbacks${s.payLater.deferred === undefined ? '' : `, ${s.payLater.deferred} orders deferred, ${s.payLater.paidLater} paid later`}; breaker open in ${s.breaker.openSamples} samples`);
  for (const [service, list] of Object.entries(s.replicas).filter(([, l]) => l.length > 1)) {
    row(`replicas of ${service}`, list.map((r) => `#${r.replica} ${Number.isFinite(r.rpcShare) ? `${Math.round(r.rpcShare * 100)}%` : 'no'} RPCs, ${Number.isFinite(r.consumedShare) ? `${Math.round(r.consumedShare * 100)}%` : 'no'} events, ${r.published} published${r.unanswered ? `, ${r.unanswered} scrapes unanswered` : ''}`).join('; '));
  }
  row('CPU under load (cores)', Object.entries(s.cpuCores).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', '));
  row('busiest methods', s.methods.slice(0, 4).map((m) => `${m.service} ${m.method.split('/').pop()} ×${m.count} p50 ${m.p50Ms} ms p99 ${m.p99Ms} ms`).join('; '));
  if (s.drill.length) row('drill', s.drill.map((e) => `${(e.at / 1000).toFixed(1)}s ${e.service}#${e.replica} ${e.what}`).join(', '));
  row('relay leaders', JSON.stringify(s.relayLeaders));
  row('drained', `${s.drained.unpublished} unpublished, consumer lag ${s.drained.consumerLag} (after ${(s.drained.waitedMs / 1000).toFixed(1)} s)`);
  row('books', s.books.balanced ? `balanced (${s.books.figures.orders} orders, charged ${s.books.figures.chargedUnits}, refunded ${s.books.figures.refundedUnits})` : 'DO NOT BALANCE');
  for (const p of s.books.problems) out(`      ✗ ${p}`);
  for (const t of s.thresholds) out(`  ${t.passed ? '✓' : '✗'} ${t.metric} ${t.text}: ${formatMetric(t.metric, t.actual)}`);
  out(`${s.passed ? 'PASSED' : 'FAILED'} — results in ${path.relative(process.cwd(), s.resultsDir)}/ (summary.json, report.html, ghz-*.json)`);
}

function renderReport(
  s: RunSummary,
  d: { reports: GhzReport[]; loadStart: number; loadEnd: number; series: StackSeries; shift: number; crewStats?: CrewStats },
): string {
  const rpc = rpcTimeline(d.reports, d.loadStart);
  const stackX = d.series.seconds.map((t) => Math.round((t - d.shift) * 10) / 10);
  // One marker per kind of drill event (the kills, the restarts), at its first occurrence.
  const markers = [...new Set(s.drill.map((e) => e.what))].map((what) => {
    const events = s.drill.filter((e) => e.what === what);
    return { x: Math.min(...events.map((e) => e.at)) / 1000, label: `${events.length} ${what}` };
  });
  const perService = (key: 'rpcRate' | 'consumerLag' | 'outboxBacklog' | 'cpuCores' | 'rssMiB') =>
    Object.entries(d.series.services).map(([name, v]) => ({ name, x: stackX, y: v[key] }));
  let cumulative = 0;
  const finished = (d.crewStats?.finishedPerSecond ?? []).map((n) => (cumulative += n));
  const crewOffset = d.crewStats ? (d.loadStart - d.crewStats.startedAt) / 1000 : 0;
  const charts: Chart[] = [
    { title: 'Throughput of the RPC under load', unit: 'calls/s', lines: [{ name: 'OK', x: rpc.seconds, y: rpc.okPerSecond }, { name: 'errors', x: rpc.seconds, y: rpc.errorsPerSecond }], markers },
    { title: 'Latency of OK calls', unit: 'ms', lines: [{ name: 'p50', x: rpc.seconds, y: rpc.p50Ms }, { name: 'p95', x: rpc.seconds, y: rpc.p95Ms }, { name: 'p99', x: rpc.seconds, y: rpc.p99Ms }], markers },
    { title: 'Sagas completed (cumulative, crew)', unit: 'orders', lines: [{ name: 'finished', x: finished.map((_, i) => i + 1 - crewOffset), y: finished }], markers },
    { title: 'Pay-later fallbacks', unit: 'per second', lines: [{ name: 'fallbacks', x: stackX, y: d.series.fallbacksRate }], markers },
    { title: 'Event-to-view lag', unit: 'ms', lines: [{ name: 'p50', x: stackX, y: d.series.viewLagP50Ms }, { name: 'p99', x: stackX, y: d.series.viewLagP99Ms }], markers },
    { title: 'Payment breaker open', unit: 'order replicas', lines: [{ name: 'open', x: stackX, y: d.series.breakerOpenReplicas }], markers },
    { title: 'RPCs served per service', unit: 'calls/s', lines: perService('rpcRate'), markers },
    { title: 'Consumer lag per service', unit: 'messages', lines: perService('consumerLag'), markers },
    { title: 'Outbox backlog per service', unit: 'rows', lines: perService('outboxBacklog'), markers },
    { title: 'CPU per service', unit: 'cores', lines: perService('cpuCores'), markers },
    { title: 'Memory per service (resident)', unit: 'MiB', lines: perService('rssMiB'), markers },
  ];
  const replicaRows = Object.entries(s.replicas).flatMap(([service, list]) =>
    list.map((r) => [service, r.replica, r.rpcs, `${Math.round(r.rpcShare * 1000) / 10}%`, r.consumed, `${Math.round(r.consumedShare * 1000) / 10}%`, r.published, r.unanswered]),
  );
  return htmlReport({
    title: `foodmesh load test: ${s.scenario} — ${s.passed ? 'PASSED' : 'FAILED'}`,
    subtitle: `${s.description}. ${s.startedAt}; ${s.machine.cpus} × ${s.machine.cpuModel}, ${s.machine.memoryGiB} GiB, Node ${s.machine.node}; load average ${s.machine.loadAverageBefore.join(' ')} → ${s.machine.loadAverageAfter.join(' ')}.`,
    sections: [
      { heading: 'Thresholds and books', html: htmlTable([['check', 'rule', 'measured', 'result'], ...s.thresholds.map((t) => [t.metric, t.text, formatMetric(t.metric, t.actual), t.passed ? 'pass' : 'FAIL']), ['books', 'balance', s.books.problems.join(' / ') || 'balanced', s.books.balanced ? 'pass' : 'FAIL']]) },
      { heading: 'Charts (seconds since the load started)', html: charts.map(svgChart).join('\n') },
      {
        heading: 'Where the time goes',
        html:
          htmlTable([['service', 'CPU while the load ran (cores, mean)'], ...Object.entries(s.cpuCores).sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, v])]) +
          htmlTable([['service', 'method', 'calls', 'p50 ms', 'p99 ms'], ...s.methods.map((m) => [m.service, m.method, m.count, m.p50Ms, m.p99Ms])]),
      },
      { heading: 'Work per replica', html: htmlTable([['service', 'replica', 'RPCs', 'share', 'events consumed', 'share', 'events published', 'scrapes unanswered (killed, or too busy to answer in 0.8 s)'], ...replicaRows]) },
      { heading: 'Crew actions', html: s.crew ? htmlTable([['action', 'outcomes'], ...Object.entries(s.crew.actions).map(([a, o]) => [a, JSON.stringify(o)])]) : '<p>no crew</p>' },
    ],
    summary: s,
  });
}
