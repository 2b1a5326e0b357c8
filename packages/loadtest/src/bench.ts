#!/usr/bin/env node
/**
 * `npm run bench [-- --compare <baseline.json>]`: a fixed, short benchmark on this machine, in one
 * run: (1) a bare grpc-js echo server and the platform kit's server under the same ghz load,
 * alternated twice, so the kit's overhead is a ratio measured side by side; (2) the whole stack
 * (fresh, with the crew): the event-to-view lag of a quiet stack (scenario `quiet`, 1 order/s), then
 * PlaceOrder through the edge at a fixed concurrency (scenario `bench`), event-to-view lag, saga
 * end-to-end time and the books. Writes bench/results/<date>-<host>.json;
 * with --compare, prints the change of each figure against that file.
 */
import { fork } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { attachOrStartStack, repoRoot } from '@foodmesh/local-infra';
import { machine } from '@foodmesh/bench/stats';
import { compareBench, formatDeltas } from './compare';
import { ensureGhz, ghzConfig, runGhz } from './ghz';
import { idleCpu } from './proc-cpu';
import { loadCatalog } from './proto-catalog';
import { runScenario } from './run';
import { printSummary } from './run-report';
import { loadScenario } from './scenario';
import { summarizeRpc } from './timeline';

const ECHO = { concurrency: 20, durationMs: 8000, rounds: 2 };
/** How long the fresh stack is watched with no traffic (CPU per process: timers and polling). */
const IDLE_MS = 60_000;
const GOALS = { placeOrderRate: 500, placeOrderP99Ms: 100, viewLagP99Ms: 250, quietViewLagP99Ms: 50, kitOverBare: 0.85 };
const log = (line: string) => console.log(`[bench] ${line}`);
const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;

/** Starts an echo server in its own process (its logs to a file); resolves with its port and a stop. */
async function startEcho(kind: 'bare' | 'kit', logFile: string): Promise<{ port: number; stop(): void }> {
  const out = openSync(logFile, 'a');
  const child = fork(path.join(__dirname, 'echo-server.js'), [kind], { stdio: ['ignore', out, out, 'ipc'] });
  closeSync(out);
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m: { port: number }) => resolve(m.port));
    child.once('exit', (code) => reject(new Error(`the ${kind} echo server exited (${code}); see ${logFile}`)));
  });
  return { port, stop: () => child.kill('SIGKILL') };
}

async function echoBenchmark(ghz: string, dir: string) {
  const rpc = loadCatalog().rpc('foodmesh.edge.v1.AuthService.SignIn');
  const rates: Record<'bare' | 'kit', number[]> = { bare: [], kit: [] };
  const latency: Record<'bare' | 'kit', { p50Ms: number[]; p99Ms: number[] }> = { bare: { p50Ms: [], p99Ms: [] }, kit: { p50Ms: [], p99Ms: [] } };
  for (let round = 1; round <= ECHO.rounds; round++) {
    for (const kind of ['bare', 'kit'] as const) {
      const server = await startEcho(kind, path.join(dir, `echo-${kind}.log`));
      try {
        const output = path.join(dir, `echo-${kind}-${round}.json`);
        const config = path.join(dir, `echo-${kind}-${round}-config.json`);
        const stage = { schedule: 'const' as const, concurrency: ECHO.concurrency, connections: 1, duration: ECHO.durationMs, timeout: 10_000 };
        writeFileSync(
          config,
          JSON.stringify(
            ghzConfig({ stage, rpc, host: `127.0.0.1:${server.port}`, requests: [{ userId: 'customer-1' }], metadata: {}, output, name: `echo ${kind}` }),
          ),
        );
        const s = summarizeRpc([await runGhz(ghz, config, output)]);
        if (s.errorRate > 0) throw new Error(`the ${kind} echo server answered errors: ${JSON.stringify(s.errors)}`);
        rates[kind].push(s.rate);
        latency[kind].p50Ms.push(s.p50Ms);
        latency[kind].p99Ms.push(s.p99Ms);
        log(`echo ${kind} round ${round}: ${s.rate}/s, p50 ${s.p50Ms} ms, p99 ${s.p99Ms} ms`);
      } finally {
        server.stop();
      }
    }
  }
  const mean = (xs: number[]) => round(xs.reduce((a, b) => a + b, 0) / xs.length);
  const of = (kind: 'bare' | 'kit') => ({ rate: mean(rates[kind]), p50Ms: mean(latency[kind].p50Ms), p99Ms: mean(latency[kind].p99Ms), rounds: rates[kind] });
  const bare = of('bare');
  const kit = of('kit');
  return { rpc: rpc.fullName, concurrency: ECHO.concurrency, durationS: ECHO.durationMs / 1000, bare, kit, kitOverBare: round(kit.rate / bare.rate, 3) };
}

async function main(argv: string[]): Promise<number> {
  const compareWith = argv[0] === '--compare' ? argv[1] : undefined;
  if ((argv.length && !compareWith) || (compareWith && !existsSync(compareWith))) {
    console.error('usage: npm run bench [-- --compare <bench/results/….json>]');
    return 2;
  }
  const t0 = Date.now();
  const loadAverageBefore = os.loadavg();
  const ghz = ensureGhz(log);
  const date = new Date().toISOString();
  const host = os.hostname();
  const dir = path.join(repoRoot, 'loadtest/results', `bench-${date.replace(/[:.]/g, '-')}`);
  mkdirSync(dir, { recursive: true });

  log(`echo: bare grpc-js vs the platform kit, ${ECHO.concurrency} in flight, ${ECHO.rounds} × ${ECHO.durationMs / 1000} s each, alternated`);
  const echo = await echoBenchmark(ghz, dir);

  const scenario = loadScenario('bench');
  const stack = await attachOrStartStack({ log, namespace: 'bench.', fresh: true });
  let run;
  let quiet;
  let idle;
  try {
    log(`idle: the stack with no traffic for ${IDLE_MS / 1000} s`);
    idle = await idleCpu(IDLE_MS);
    log(`idle CPU (% of a core): ${JSON.stringify(idle)}`);
    quiet = await runScenario({ scenario: loadScenario('quiet'), log, stack, resultsDir: path.join(dir, 'quiet') });
    log(`quiet (1 order/s): event-to-view lag p50 ${quiet.viewLag.p50Ms} ms, p99 ${quiet.viewLag.p99Ms} ms (${quiet.viewLag.count} events)`);
    run = await runScenario({ scenario, log, stack, resultsDir: path.join(dir, 'stack') });
  } finally {
    await stack.stop();
  }
  printSummary(run);

  const result = {
    benchmark: 'foodmesh',
    date,
    machine: { ...machine(), loadAverageBefore: loadAverageBefore.map((x) => round(x, 2)), loadAverageAfter: os.loadavg().map((x) => round(x, 2)) },
    note: 'whole stack (7 services, PostgreSQL, Kafka), ghz and the crew on this one machine; echo servers alone, before the stack starts',
    placeOrder: {
      call: scenario.rpc.fullName,
      concurrency: scenario.load[0]!.concurrency,
      durationS: (scenario.load[0]!.duration ?? 0) / 1000,
      rate: run.rpc.rate,
      p50Ms: run.rpc.p50Ms,
      p99Ms: run.rpc.p99Ms,
      errorRate: run.rpc.errorRate,
    },
    viewLag: run.viewLag,
    /** The event-to-view lag at 1 order/s (scenario `quiet`, before the load): what batching must not tax. */
    quietViewLag: quiet.viewLag,
    /** ms of CPU per finished saga by process group (/proc), the crew's and ghz's included. */
    cpuMsPerSaga: run.cpuMsPerSaga,
    cpuMsPerOrder: run.cpuMsPerOrder,
    saga: {
      completed: run.crew ? Object.values(run.crew.sagas.final).reduce((a, b) => a + b, 0) : 0,
      unfinished: run.crew?.sagas.unfinished,
      p50Ms: run.crew?.endToEndP50Ms,
      p99Ms: run.crew?.endToEndP99Ms,
    },
    /** % of one core per process group over IDLE_MS with no traffic (the runner is this process). */
    idleCorePercent: idle,
    echo,
    books: { balanced: quiet.books.balanced && run.books.balanced, problems: [...quiet.books.problems, ...run.books.problems] },
    goals: GOALS,
    runSeconds: Math.round((Date.now() - t0) / 1000),
    details: path.relative(repoRoot, dir),
  };
  const outDir = path.join(repoRoot, 'bench/results');
  mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, `${date.slice(0, 10)}-${host}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');

  console.log('');
  console.log(
    `  PlaceOrder through the edge   ${result.placeOrder.rate}/s (goal ≥ ${GOALS.placeOrderRate}), p50 ${result.placeOrder.p50Ms} ms, p99 ${result.placeOrder.p99Ms} ms (goal ≤ ${GOALS.placeOrderP99Ms})`,
  );
  console.log(`  event-to-view lag             p50 ${result.viewLag.p50Ms} ms, p99 ${result.viewLag.p99Ms} ms (goal ≤ ${GOALS.viewLagP99Ms})`);
  console.log(`  quiet lag (1 order/s)         p50 ${result.quietViewLag.p50Ms} ms, p99 ${result.quietViewLag.p99Ms} ms (goal ≤ ${GOALS.quietViewLagP99Ms})`);
  console.log(`  saga end to end (crew)        ${result.saga.completed} completed, p50 ${result.saga.p50Ms} ms, p99 ${result.saga.p99Ms} ms`);
  console.log(
    `  CPU per saga (ms)             ${Object.entries(result.cpuMsPerSaga)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  console.log(
    `  idle (% of a core)            ${Object.entries(idle)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  console.log(`  echo                          bare ${echo.bare.rate}/s, kit ${echo.kit.rate}/s: kit/bare ${echo.kitOverBare} (goal ≥ ${GOALS.kitOverBare})`);
  console.log(`  books                         ${result.books.balanced ? 'balanced' : `DO NOT BALANCE: ${result.books.problems.join('; ')}`}`);
  console.log(`wrote ${path.relative(process.cwd(), file)} (${result.runSeconds} s)`);
  if (compareWith) {
    console.log(`\nagainst ${compareWith}:`);
    for (const line of formatDeltas(compareBench(JSON.parse(readFileSync(compareWith, 'utf8')), result))) console.log(line);
  }
  return result.books.balanced ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
