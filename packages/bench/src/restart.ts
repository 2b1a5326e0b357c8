#!/usr/bin/env node
/**
 * `npm run bench:restart`: how soon a crashed service is back. The whole stack (every service as
 * its own process, as `npm start` runs it) on fresh PostgreSQL + Kafka on this machine; each
 * service in turn is SIGKILLed and restarted at once with the same environment and ports,
 * ROUNDS times. Per restart it records, from the moment the new process was spawned:
 *  - servingMs: until its grpc.health.v1 answers SERVING (the sync API serves);
 *  - joinedMs: until its health says `consumer` SERVING (every consumer is in its group);
 *  - consumingMs: until it has handled an event (events_consumed_total > 0 in the new process);
 *    an order is placed right after each kill (after the restart for order itself), so events
 *    wait for it. The edge's consumer only feeds an index and counts no events: joinedMs only.
 * Writes bench/results/restart-<date>-<host>.json and prints p50/max per service.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { service as HealthService } from 'grpc-health-check';
import { startInfra, startStack, type RunningStack } from '@foodmesh/local-infra';
import { createGrpcClient, loadMeshPolicy } from '@foodmesh/platform';
import { PaymentMethod } from '@foodmesh/proto-gen/foodmesh/common/v1/payment_method';
import { OrderServiceService } from '@foodmesh/proto-gen/foodmesh/order/v1/order';
import { metricValue } from '@foodmesh/testkit';
import { machine, percentile } from './stats';

const ROUNDS = Number(process.env.BENCH_RESTART_ROUNDS ?? 10);
/** Give up on one restart after this long (the figure is then recorded as missing). */
const GIVE_UP_MS = 60_000;
const POLL_MS = 25;

const root = path.resolve(__dirname, '../../..');
const log = (line: string) => console.log(`[bench] ${line}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type HealthClient = grpc.Client & { Check(req: { service: string }, opts: grpc.CallOptions, cb: (err: Error | null, res?: { status: string }) => void): void };

/** A health client that notices a restarted server within milliseconds (grpc-js backs off reconnects by a second). */
function healthClient(address: string): HealthClient {
  const Client = grpc.makeGenericClientConstructor(HealthService, 'Health');
  return new Client(address, grpc.credentials.createInsecure(), {
    'grpc.initial_reconnect_backoff_ms': 10,
    'grpc.max_reconnect_backoff_ms': 50,
  }) as unknown as HealthClient;
}

const healthOf = (client: HealthClient, service: string) =>
  new Promise<string>((resolve) =>
    client.Check({ service }, { deadline: Date.now() + 500 }, (err, res) => resolve(err ? `error ${(err as grpc.ServiceError).code}` : res!.status)),
  );

async function metrics(port: number): Promise<string> {
  try {
    return await (await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(500) })).text();
  } catch {
    return '';
  }
}

/** Polls until `done` is true; returns the epoch ms it first was, or undefined after GIVE_UP_MS. */
async function until(since: number, done: () => Promise<boolean>): Promise<number | undefined> {
  while (Date.now() - since < GIVE_UP_MS) {
    if (await done()) return Date.now();
    await sleep(POLL_MS);
  }
  return undefined;
}

interface Restart {
  servingMs?: number;
  joinedMs?: number;
  consumingMs?: number;
  readyReportedMs: number;
}

function summary(values: Array<number | undefined>) {
  const got = values.filter((v): v is number => v !== undefined).sort((a, b) => a - b);
  return { p50Ms: percentile(got, 50), maxMs: got[got.length - 1] ?? NaN, missing: values.length - got.length };
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const loadAtStart = os.loadavg();
  const infra = await startInfra({ log });
  let stack: RunningStack | undefined;
  try {
    stack = await startStack({
      databaseAdminUrl: infra.databaseAdminUrl,
      kafkaBrokers: infra.kafkaBrokers,
      kafkaCredentials: infra.kafkaCredentials,
      log,
      logLevel: 'info',
      ports: 'any',
      namespace: `bench${randomBytes(3).toString('hex')}.`,
    });
    const { identity } = stack;
    const byName = new Map(stack.services.map((s) => [s.name, s]));
    const order = createGrpcClient(OrderServiceService, {
      address: byName.get('order')!.address,
      upstream: 'order',
      policy: loadMeshPolicy(),
      resilienceMode: 'mesh',
      caller: 'bench',
      workloadIdentity: identity.workload('edge'), // as the edge calls it, for a customer
    });
    let seq = 0;
    const placeOrder = async (quiet = false): Promise<boolean> => {
      const customerId = `bench-restart-${seq++ % 20}`;
      return order
        .placeOrder(
          {
            customerId,
            storeId: 'store-gangnam-chicken',
            items: [{ menuItemId: 'chk-fried', quantity: 1 }],
            deliveryAddress: { region: 'seoul-gangnam', location: { lat: 37.5, lng: 127.03 }, text: 'bench' },
            idempotencyKey: `bench-restart-${process.pid}-${seq}`,
            expectedTotal: undefined,
            paymentMethod: PaymentMethod.PAYMENT_METHOD_CARD,
          },
          { ...identity.asUser({ userId: customerId, role: 'customer' }), timeoutMs: 10_000 },
        )
        .then(
          () => true,
          (err: Error) => (quiet || log(`PlaceOrder failed: ${err.message}`), false),
        );
    };

    const results: Record<string, Restart[]> = {};
    for (const s of stack.services) {
      const health = healthClient(s.address);
      const counts = s.name !== 'edge';
      results[s.name] = [];
      // Settled before the first kill: the previous service's restarts are over, its group stable.
      await until(Date.now(), async () => (await healthOf(health, 'consumer')) === 'SERVING');
      for (let round = 1; round <= ROUNDS; round++) {
        const restarting = stack.restart(s.name);
        if (s.name !== 'order') await placeOrder(); // while it is down: these events wait for it
        const times = await restarting;
        const from = times.startedAt;
        const [serving, joined, consuming] = await Promise.all([
          until(from, async () => (await healthOf(health, '')) === 'SERVING'),
          until(from, async () => (await healthOf(health, 'consumer')) === 'SERVING'),
          (async () => {
            // Order serves again (its client may still be reconnecting): the payment's answer comes back to it as an event.
            if (s.name === 'order') await until(from, () => placeOrder(true));
            if (!counts) return undefined;
            return until(from, async () => metricValue(await metrics(s.metricsPort), 'events_consumed_total') > 0);
          })(),
        ]);
        const r: Restart = {
          servingMs: serving && serving - from,
          joinedMs: joined && joined - from,
          consumingMs: consuming && consuming - from,
          readyReportedMs: times.readyAt - from,
        };
        results[s.name]!.push(r);
        log(`${s.name} #${round}: serving ${r.servingMs} ms, joined ${r.joinedMs} ms, consuming ${r.consumingMs ?? '-'} ms`);
        await sleep(1000);
      }
      health.close();
    }
    order.close();

    const perService = Object.fromEntries(
      Object.entries(results).map(([name, rs]) => [
        name,
        {
          restarts: rs.length,
          toServing: summary(rs.map((r) => r.servingMs)),
          toJoined: summary(rs.map((r) => r.joinedMs)),
          toConsuming: name === 'edge' ? null : summary(rs.map((r) => r.consumingMs)),
          runs: rs,
        },
      ]),
    );
    const report = {
      benchmark: 'restart',
      date: new Date().toISOString(),
      machine: machine(),
      load: {
        note: 'the whole stack idle on one machine (every service its own process, PostgreSQL and Kafka local); one PlaceOrder per restart; times from spawning the new process',
        rounds: ROUNDS,
        kafkaSessionTimeoutMs: Number(process.env.KAFKA_SESSION_TIMEOUT_MS ?? 6000),
        // Other work on the machine (1/5/15-minute load averages): the figures are only as quiet as it was.
        loadAverage: { start: loadAtStart.map((l) => Math.round(l * 10) / 10), end: os.loadavg().map((l) => Math.round(l * 10) / 10) },
      },
      goal: { servingMs: 3000, consumingMs: 10_000 },
      results: perService,
      wallSeconds: Math.round((Date.now() - t0) / 1000),
    };
    const dir = path.join(root, 'bench/results');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `restart-${report.date.slice(0, 10)}-${report.machine.host}.json`);
    writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
    console.log('\nservice       serving p50/max   joined p50/max    consuming p50/max  (ms from spawn)');
    for (const [name, r] of Object.entries(perService)) {
      const cell = (x: { p50Ms: number; maxMs: number; missing: number } | null) =>
        x ? `${x.p50Ms}/${x.maxMs}${x.missing ? ` (${x.missing} missing)` : ''}` : '-';
      console.log(`${name.padEnd(13)} ${cell(r.toServing).padEnd(17)} ${cell(r.toJoined).padEnd(17)} ${cell(r.toConsuming)}`);
    }
    console.log(`\n${path.relative(process.cwd(), file)}`);
  } finally {
    await stack?.stop();
    await infra.stop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
