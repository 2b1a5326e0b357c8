#!/usr/bin/env node
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createGrpcClient, loadMeshPolicy, ROLES, WORKLOAD_TOKEN_HEADER, type Role } from '@foodmesh/platform';
import { DeadLetterAdminServiceService, ReplayOutcome } from '@foodmesh/proto-gen/foodmesh/deadletters/v1/dead_letters';
import { startInfra, type Infra, type KafkaCredentials } from './index';
import { persistentLocalIdentity, type LocalIdentity } from './local-identity';
import { observabilityFile, startObservability, type Observability } from './observability';
import { discoverServices, localIdentityFile, startStack, type RunningStack } from './stack';
import { foodmeshDir, isAlive } from './util';

/** Where a running stack is advertised for other tools. */
export const stateFile = path.join(foodmeshDir, 'infra.json');

export interface InfraState {
  pid: number;
  databaseAdminUrl: string;
  kafkaBrokers: string[];
  kafkaCredentials?: KafkaCredentials;
  startedAt: string;
}

const log = (line: string) => console.log(`[infra] ${line}`);

/** Persistent PostgreSQL + Kafka for this checkout, advertised in .foodmesh/infra.json; refuses to run twice. */
export async function startPersistentInfra(): Promise<Infra> {
  if (existsSync(stateFile)) {
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as InfraState;
    if (state.pid !== process.pid && isAlive(state.pid)) {
      throw new Error(
        `infra already running for this checkout (pid ${state.pid}): PostgreSQL ${state.databaseAdminUrl}, ` +
          `Kafka ${state.kafkaBrokers.join(',')}; stop it first`,
      );
    }
  }
  const infra = await startInfra({ persistent: true, log });
  mkdirSync(foodmeshDir, { recursive: true });
  const state: InfraState = {
    pid: process.pid,
    databaseAdminUrl: infra.databaseAdminUrl,
    kafkaBrokers: infra.kafkaBrokers,
    kafkaCredentials: infra.kafkaCredentials,
    startedAt: new Date().toISOString(),
  };
  writeFileSync(stateFile, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 }); // it holds the Kafka users' passwords
  return infra;
}

/** Resolves on the first SIGINT/SIGTERM (a second one exits at once). */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const keepAlive = setInterval(() => {}, 1 << 30);
    const handler = (sig: NodeJS.Signals) => {
      clearInterval(keepAlive);
      process.off('SIGINT', handler).off('SIGTERM', handler);
      process.once('SIGINT', () => process.exit(130)).once('SIGTERM', () => process.exit(143));
      resolve(sig);
    };
    process.on('SIGINT', handler).on('SIGTERM', handler);
  });
}

export async function stopInfra(infra: Infra): Promise<void> {
  log('stopping…');
  await infra.stop();
  rmSync(stateFile, { force: true });
  log('stopped');
}

/** `infra`: run PostgreSQL + Kafka until Ctrl-C. */
export async function runInfraCommand(): Promise<void> {
  const t0 = Date.now();
  const signalled = untilSignal(); // before starting: Ctrl-C during startup still stops both cleanly
  const infra = await startPersistentInfra();
  console.log(`PostgreSQL  ${infra.databaseAdminUrl}`);
  console.log(`Kafka       ${infra.kafkaBrokers.join(',')}`);
  console.log(`(ready in ${((Date.now() - t0) / 1000).toFixed(1)} s; state in ${stateFile}; Kafka log ${infra.kafka.logFile ?? '-'}; Ctrl-C to stop)`);
  await signalled;
  await stopInfra(infra);
}

/** The URLs of an `npm run infra` already running for this checkout, if any. */
function runningInfra(): InfraState | undefined {
  if (!existsSync(stateFile)) return undefined;
  const state = JSON.parse(readFileSync(stateFile, 'utf8')) as InfraState;
  return state.pid !== process.pid && isAlive(state.pid) ? state : undefined;
}

/**
 * `start`: PostgreSQL + Kafka (or the ones `npm run infra` runs) + every service, until Ctrl-C.
 * `start --observe` also starts Zipkin (traces, with its UI) and Prometheus (the recording rules
 * over every service's /metrics), and the services send their spans to Zipkin.
 */
export async function runStartCommand(args = process.argv.slice(3)): Promise<void> {
  const unknown = args.filter((a) => a !== '--observe');
  if (unknown.length) throw new Error(`unknown option ${unknown.join(' ')}; usage: npm start [-- --observe]`);
  const t0 = Date.now();
  const signalled = untilSignal();
  const shared = runningInfra();
  if (shared) log(`using the PostgreSQL and Kafka of npm run infra (pid ${shared.pid})`);
  const observeLog = (line: string) => console.log(`[observe] ${line}`);
  const [started, observed] = await Promise.allSettled([
    shared ? undefined : startPersistentInfra(),
    args.includes('--observe') ? startObservability({ persistent: true, log: observeLog }) : undefined,
  ]);
  if (started.status === 'rejected' || observed.status === 'rejected') {
    if (started.status === 'fulfilled' && started.value) await stopInfra(started.value);
    if (observed.status === 'fulfilled') await observed.value?.stop();
    throw started.status === 'rejected' ? started.reason : (observed as PromiseRejectedResult).reason;
  }
  const infra = started.value;
  const observability = observed.value;
  const databaseAdminUrl = shared?.databaseAdminUrl ?? infra!.databaseAdminUrl;
  const kafkaBrokers = shared?.kafkaBrokers ?? infra!.kafkaBrokers;
  const kafkaCredentials = shared ? shared.kafkaCredentials : infra!.kafkaCredentials;
  let stack: RunningStack | undefined;
  try {
    const services = discoverServices();
    log(`starting ${services.length} service(s): ${services.map((s) => s.name).join(', ') || 'none yet'}…`);
    stack = await startStack({
      databaseAdminUrl,
      kafkaBrokers,
      kafkaCredentials,
      log: (line) => console.log(`[stack] ${line}`),
      logLevel: process.env.LOG_LEVEL,
      observability,
    });
    if (observability) advertise(observability);
    console.log('');
    console.log('foodmesh is running:');
    console.log(`  PostgreSQL    ${databaseAdminUrl}`);
    console.log(
      `  Kafka         ${kafkaBrokers.join(',')}${kafkaCredentials ? `   SASL/SCRAM-SHA-512; its users' passwords: ${shared || !infra!.kafka.dataDir ? stateFile : path.join(infra!.kafka.dataDir, 'credentials.json')}` : ''}`,
    );
    for (const s of stack.services) {
      const web = s.httpPort ? `   web http://127.0.0.1:${s.httpPort}/` : '';
      console.log(`  ${s.name.padEnd(13)} grpc ${s.address}   metrics http://127.0.0.1:${s.metricsPort}/metrics${web}`);
    }
    if (observability) {
      const edge = stack.services.find((s) => s.httpPort);
      console.log(`  Zipkin        ${observability.zipkinUrl}/zipkin/   traces of every call and event`);
      console.log(
        `  Prometheus    ${observability.prometheusUrl}/api/v1/query?query=service:up:sum   HTTP API, recording rules of observability/prometheus/rules.yaml`,
      );
      if (edge) console.log(`  operations    http://127.0.0.1:${edge.httpPort}/   sign in as ops-1 (Operator)`);
    }
    console.log(`  logs          ${path.join(foodmeshDir, 'logs')}/<service>.log`);
    console.log(`(ready in ${((Date.now() - t0) / 1000).toFixed(1)} s; Ctrl-C to stop)`);
    await signalled;
  } finally {
    log('stopping services…');
    await stack?.stop();
    if (observability) {
      rmSync(observabilityFile, { force: true });
      await observability.stop();
    }
    if (infra) await stopInfra(infra);
  }
}

/** Where `npm run scenario` and other tools find the running `npm start --observe`'s backends. */
function advertise(o: Observability): void {
  writeFileSync(observabilityFile, JSON.stringify({ pid: process.pid, zipkinUrl: o.zipkinUrl, prometheusUrl: o.prometheusUrl }, null, 2) + '\n');
}

/**
 * `token`: a token `npm start`'s services accept, for grpcurl and friends:
 *   token user <user-id> <customer|owner|rider|ops> [store-id|region] → authorization: Bearer <token>
 *   token workload <name>                                           → x-foodmesh-workload-token: <token>
 */
export async function runTokenCommand(args = process.argv.slice(3)): Promise<void> {
  const identity = persistentLocalIdentity(localIdentityFile);
  const [kind, name, role, extra] = args;
  if (kind === 'user' && name && ROLES.includes(role as Role)) {
    const user = { userId: name, role: role as Role, storeId: role === 'owner' ? extra : undefined, region: role === 'rider' ? extra : undefined };
    console.log(`authorization: Bearer ${identity.userToken(user)}`);
  } else if (kind === 'workload' && name) {
    console.log(`${WORKLOAD_TOKEN_HEADER}: ${identity.asWorkload(name).metadata!.get(WORKLOAD_TOKEN_HEADER)[0]}`);
  } else {
    throw new Error('usage: npm run token -- user <user-id> <customer|owner|rider|ops> [store-id|region] | workload <name>');
  }
}

/**
 * `dead-letters`: an operator's view of a service's parked messages, through its
 * DeadLetterAdminService as the `ops` workload (of the running `npm start`, or --address host:port
 * of another stack trusting .foodmesh/local-identity.json; in the cluster, see docs/deploy.md):
 *   dead-letters <service> list
 *   dead-letters <service> replay <id>...  |  replay --all
 */
export async function runDeadLettersCommand(
  args = process.argv.slice(3),
  opts: { identity?: LocalIdentity; print?: (line: string) => void } = {},
): Promise<void> {
  const print = opts.print ?? ((line: string) => console.log(line));
  const usage = 'usage: npm run dead-letters -- <service> list | replay <id>... | replay --all   [--address host:port]';
  const at = args.indexOf('--address');
  const explicit = at >= 0 ? args.splice(at, 2)[1] : undefined;
  const [service, verb, ...rest] = args;
  if (!service || (verb !== 'list' && verb !== 'replay')) throw new Error(usage);
  const all = rest.includes('--all');
  const ids = rest.filter((r) => r !== '--all');
  if (verb === 'replay' && (all ? ids.length > 0 : ids.length === 0 || ids.some((id) => !/^\d+$/.test(id)))) throw new Error(usage);
  const address = explicit ?? runningServiceAddress(service);
  const client = createGrpcClient(DeadLetterAdminServiceService, {
    address,
    upstream: service,
    policy: loadMeshPolicy(),
    resilienceMode: 'mesh',
    caller: 'dead-letters',
    workloadIdentity: (opts.identity ?? persistentLocalIdentity(localIdentityFile)).workload('ops'),
  });
  try {
    if (verb === 'list') {
      let pageToken = '';
      do {
        const res = await client.listDeadLetters({ page: { pageSize: 100, pageToken } });
        if (!pageToken) print(`${res.service}: ${res.total} dead letter(s)`);
        for (const d of res.deadLetters) {
          print(
            `  #${d.id}  ${d.parkedAt?.toISOString() ?? '-'}  ${d.consumer}  ${d.topic}[${d.partition}]@${d.offset}  ${d.eventType}  order ${d.orderId || '-'}  replays ${d.replays}\n      ${d.error}`,
          );
        }
        pageToken = res.nextPageToken;
      } while (pageToken);
    } else {
      const res = await client.replayDeadLetters({ ids: all ? [] : ids.map(Number), all });
      for (const r of res.results)
        print(`  #${r.id}  ${ReplayOutcome[r.outcome]!.replace('REPLAY_OUTCOME_', '').toLowerCase()}${r.error ? `: ${r.error}` : ''}`);
      print(`${res.results.length} replayed`);
    }
  } finally {
    client.close();
  }
}

/** A service's gRPC address in the running `npm start` (its .foodmesh/stack.json). */
function runningServiceAddress(service: string): string {
  const file = path.join(foodmeshDir, 'stack.json');
  const state = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { pid: number; services: Record<string, { address: string }> }) : undefined;
  if (!state || !isAlive(state.pid)) throw new Error('no running `npm start` found: start it, or pass --address host:port');
  const s = state.services[service];
  if (!s) throw new Error(`no service ${service} in the running stack (${Object.keys(state.services).join(', ')})`);
  return s.address;
}

const commands: Record<string, () => Promise<void>> = {
  infra: runInfraCommand,
  start: runStartCommand,
  token: runTokenCommand,
  'dead-letters': runDeadLettersCommand,
};

if (require.main === module) {
  const name = process.argv[2] ?? '';
  const command = commands[name];
  if (!command) {
    console.error(`usage: cli.js <${Object.keys(commands).join('|')}>`);
    process.exit(2);
  }
  command().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(`[infra] ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
