import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { attachOrStartStack, type StackHandle } from '@foodmesh/local-infra';
import { createGrpcClient, isFinal, loadMeshPolicy, orderStatusFromName } from '@foodmesh/platform';
import { Faults, PaymentAdminServiceService } from '@foodmesh/proto-gen/foodmesh/payment/v1/payment_admin';
import { machine, percentile } from '@foodmesh/bench/stats';
import { checkBooks, type BooksResult } from './books';
import { callHeaders, signIn, tokenLifetimeEnv } from './credentials';
import { startCrew, type Crew, type CrewStats } from './crew';
import { ensureGhz, rotatingHeaders } from './ghz';
import { runLoad } from './load';
import { cpuMsPer, cpuSnapshot } from './proc-cpu';
import { renderReport } from './run-report';
import { startSampler } from './sampler';
import { LOADTEST_DIR, totalDuration, type Scenario } from './scenario';
import { deriveSeries, minReplicaShare, type StackSeries } from './series';
import { backlog, databaseNow, readBooks, relayLeaders, runOrders, type Databases } from './stack-reads';
import { evaluateThresholds, type ThresholdResult } from './thresholds';
import { summarizeRpc, type RpcSummary } from './timeline';

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
  /**
   * Milliseconds of CPU per finished saga, per process group of this run (/proc): from the warm-up
   * to the drained stack, over the orders of the run. Empty when the stack is not this run's own.
   */
  cpuMsPerSaga: Record<string, number>;
  /** The same CPU over every order the run placed, finished or not (retries and stuck sagas show as the gap to cpuMsPerSaga). */
  cpuMsPerOrder: Record<string, number>;
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
  const loadMs = totalDuration(scenario.load);
  const withCrew = (opts.crew ?? true) && scenario.crew !== undefined;
  const crewSettings = scenario.crew;
  // Tokens are signed once, before the load: they must outlive the run and its drain.
  const validForMs = loadMs + (crewSettings?.drainTimeout ?? 0) + 10 * 60_000;
  const stack =
    opts.stack ??
    (await attachOrStartStack({
      log,
      namespace: 'loadtest.',
      replicas: scenario.stack.replicas,
      env: { ...tokenLifetimeEnv(validForMs), ...scenario.stack.env },
    }));
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
  let crew: Crew | undefined;
  let faultsSet = false;
  const admins = (scenario.stack.paymentFaults ? service('payment').address.split(',') : []).map((address) =>
    createGrpcClient(PaymentAdminServiceService, {
      address: address.trim(),
      upstream: 'payment',
      policy: loadMeshPolicy(),
      resilienceMode: 'mesh',
      caller: 'loadtest',
      workloadIdentity: stack.identity.workload('ops'), // only ops may turn the fault knob
    }),
  );
  const setFaults = (faults: Faults) => Promise.all(admins.map((a) => a.setFaults({ faults })));

  try {
    const edge = firstAddress(service('edge').address);
    const users = await signIn(edge, { validForMs, userIds: withCrew ? undefined : scenario.as });
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
      scenario.as.map((id) => callHeaders(users.get(id)!, scenario.target, { identity: stack.identity, validForMs })),
      scenario.requests.length,
    );
    const cpuBefore = cpuSnapshot();
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
        const open = Object.entries(await runOrders(dbs.order!, runStart)).filter(([status]) => !isFinal(orderStatusFromName(status)));
        if (open.length === 0 && crew.unfinished().length === 0) break;
        await sleep(500);
      }
      unfinishedExamples = crew.unfinished().slice(0, 20);
    }
    const drained = await waitUntilDrained(dbs, stack.kafka, 60_000);
    const cpuAfter = cpuSnapshot();
    const ticks = await sampler.stop();
    const series = deriveSeries(ticks, { from: loadStart - samplerStart, to: loadEnd - samplerStart });
    const [books, leaders, ordersOfRun] = await Promise.all([readBooks(dbs).then(checkBooks), relayLeaders(dbs), runOrders(dbs.order!, runStart)]);
    if (drained.unpublished || drained.consumerLag) {
      // Say first why the rest may only be behind rather than wrong.
      books.problems.unshift(
        `the stack had not drained after ${Math.round(drained.waitedMs / 1000)} s (${drained.unpublished} events unpublished, consumer lag ${drained.consumerLag}): what follows may be in flight`,
      );
      books.balanced = false;
    }
    const crewStats = crew?.stats();

    const rpc = summarizeRpc(reports);
    const finalCount = Object.entries(ordersOfRun)
      .filter(([s]) => isFinal(orderStatusFromName(s)))
      .reduce((n, [, c]) => n + c, 0);
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
      machine: {
        ...machine(),
        loadAverageBefore: loadAverageBefore.map((x) => Math.round(x * 100) / 100),
        loadAverageAfter: os.loadavg().map((x) => Math.round(x * 100) / 100),
      },
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
      cpuMsPerSaga: stack.running ? cpuMsPer(cpuBefore, cpuAfter, finalCount) : {},
      cpuMsPerOrder: stack.running ? cpuMsPer(cpuBefore, cpuAfter, allCount) : {},
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
        await running.restart(service, { index: drill.replica });
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
