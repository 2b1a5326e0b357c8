import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { isReadyMessage } from '@foodmesh/platform';
import type { KafkaCredentials } from './kafka';
import { adminSecurity, provisionKafka, serviceKafkaEnv } from './kafka-provision';
import { createLocalIdentity, persistentLocalIdentity, type LocalIdentity } from './local-identity';
import type { Observability } from './observability';
import { createDatabase, databaseUrl } from './postgres';
import { foodmeshDir, repoRoot, reservePort, type Log, type PortReservation } from './util';

/** How `npm start` runs a service: the "foodmesh" field of services/<name>/package.json. */
export interface ServiceSpec {
  name: string;
  dir: string;
  main: string;
  grpcPort: number;
  metricsPort: number;
  /** Whether it owns a database (created as foodmesh_<name>). */
  database: boolean;
  env: Record<string, string>;
  /** Optional HTTP port (the edge serves the web app). */
  httpPort?: number;
}

/** Every service folder that declares how to run it. */
export function discoverServices(root = repoRoot): ServiceSpec[] {
  const servicesDir = path.join(root, 'services');
  if (!existsSync(servicesDir)) return [];
  const specs: ServiceSpec[] = [];
  for (const name of readdirSync(servicesDir).sort()) {
    const pkgFile = path.join(servicesDir, name, 'package.json');
    if (!existsSync(pkgFile)) continue;
    const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { main?: string; foodmesh?: Partial<ServiceSpec> };
    if (!pkg.foodmesh) continue;
    const f = pkg.foodmesh;
    if (typeof f.grpcPort !== 'number' || typeof f.metricsPort !== 'number') {
      throw new Error(`${pkgFile}: "foodmesh" needs numeric grpcPort and metricsPort`);
    }
    specs.push({
      name,
      dir: path.dirname(pkgFile),
      main: path.join(path.dirname(pkgFile), pkg.main ?? 'dist/main.js'),
      grpcPort: f.grpcPort,
      metricsPort: f.metricsPort,
      database: f.database ?? false,
      env: f.env ?? {},
      httpPort: f.httpPort,
    });
  }
  return specs;
}

/** One process of a service. */
export interface Replica {
  index: number;
  pid: number;
  /** 127.0.0.1:<its gRPC port> */
  address: string;
  grpcPort: number;
  metricsPort: number;
  httpPort?: number;
  logFile: string;
}

export interface StackService extends ServiceSpec {
  /** What its callers are given: host:port, or its replicas' ip:port,ip:port (they balance round-robin). */
  address: string;
  /** The first replica's log. */
  logFile: string;
  /** Its own database, if it has one. */
  databaseUrl?: string;
  /** Its processes, by index (a restarted replica replaces its entry). */
  replicas: Replica[];
}

export interface RunningStack {
  services: StackService[];
  /** The keys its services trust: act as any user or workload against it. */
  identity: LocalIdentity;
  /** Signals one replica (SIGKILL unless told) and waits until it has exited. */
  kill(service: string, index: number, signal?: NodeJS.Signals): Promise<void>;
  /**
   * Kills a replica (SIGKILL by default: a crash) unless it is down already, and starts it again
   * with the same environment and ports, as a supervisor would; resolves once it reports ready (it serves).
   */
  restart(service: string, opts?: { index?: number; signal?: NodeJS.Signals }): Promise<RestartTimes & { replica: Replica }>;
  stop(): Promise<void>;
}

/** Epoch milliseconds of one restart's steps. */
export interface RestartTimes {
  killedAt: number;
  startedAt: number;
  readyAt: number;
}

/** Where `npm start` keeps its keys (see persistentLocalIdentity). */
export const localIdentityFile = path.join(foodmeshDir, 'local-identity.json');

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
/** "env" values may name another service as {payment}: replaced by its address. */
const REFERENCE = /\{([a-z-]+)\}/g;

/**
 * The services in an order to start them, each with the services its env refers to (which come
 * before it); fails when a name does not exist or services wait on each other.
 */
export function startOrder(specs: ServiceSpec[]): Array<{ spec: ServiceSpec; after: string[] }> {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const after = new Map<string, string[]>();
  for (const s of specs) {
    const refs = new Set<string>();
    for (const value of Object.values(s.env)) for (const m of value.matchAll(REFERENCE)) refs.add(m[1]!);
    for (const r of refs) if (!byName.has(r)) throw new Error(`${s.name}'s env refers to {${r}}, but there is no service ${r}`);
    after.set(s.name, [...refs]);
  }
  const ordered: Array<{ spec: ServiceSpec; after: string[] }> = [];
  const visiting = new Set<string>();
  const visit = (name: string, path: string[]) => {
    if (ordered.some((o) => o.spec.name === name)) return;
    if (visiting.has(name)) throw new Error(`services refer to each other in a cycle: ${[...path, name].join(' → ')}`);
    visiting.add(name);
    for (const d of after.get(name)!) visit(d, [...path, name]);
    visiting.delete(name);
    ordered.push({ spec: byName.get(name)!, after: after.get(name)! });
  };
  for (const s of specs) visit(s.name, []);
  return ordered;
}

/**
 * Starts each service as a child process (`node dist/main.js`) with its own
 * database and the shared Kafka, each once the services it calls are up (their
 * addresses go into its env), and streams warnings and errors to the console
 * (full JSON logs go to .foodmesh/logs/). A service reports the ports it bound
 * over an IPC channel once it serves.
 */
export async function startStack(opts: {
  databaseAdminUrl: string;
  kafkaBrokers: string[];
  /** The broker's users (Infra.kafkaCredentials): each service signs in as its own; the admin creates topics and ACLs. */
  kafkaCredentials?: KafkaCredentials;
  log: Log;
  logLevel?: string;
  /**
   * `declared` (npm start): the ports in each service's package.json. `any` (tests, a stack beside
   * a developer's): each service binds port 0 and reports what it got, so no port is chosen
   * ahead of the bind for another socket to take.
   */
  ports?: 'declared' | 'any';
  /**
   * Processes per service (default 1), sharing its database and consumer group as pods do. The gRPC
   * ports of a service with several are reserved below the ephemeral range (reservePort), so a
   * killed replica restarts at the address its callers were given.
   */
  replicas?: Record<string, number>;
  /** Prefix for database names and the Kafka namespace (tests). */
  namespace?: string;
  /** More environment for every service (e.g. shorter timers for a test). */
  env?: Record<string, string>;
  /** Milliseconds a service may take to report ready (default 60 s). */
  readyTimeoutMs?: number;
  /** The keys to trust; default: npm start's own (kept across runs), or fresh ones for a namespaced stack. */
  identity?: LocalIdentity;
  /** Trace and metrics backends (startObservability): every service sends its spans there, and Prometheus scrapes each one. */
  observability?: Pick<Observability, 'serviceEnv' | 'setTargets'>;
}): Promise<RunningStack> {
  const anyPort = opts.ports === 'any';
  const identity = opts.identity ?? (opts.namespace ? createLocalIdentity() : persistentLocalIdentity(localIdentityFile));
  const specs = discoverServices();
  for (const [name, n] of Object.entries(opts.replicas ?? {})) {
    if (!specs.some((s) => s.name === name)) throw new Error(`replicas: there is no service ${name}`);
    if (!Number.isInteger(n) || n < 1) throw new Error(`replicas: ${name} needs a whole number of replicas ≥ 1, not ${n}`);
  }
  const logDir = path.join(foodmeshDir, opts.namespace ? `logs-${opts.namespace.replace(/\W/g, '')}` : 'logs');
  mkdirSync(logDir, { recursive: true });
  const children: Array<{ service: string; index: number; child: ChildProcess; killed: boolean }> = [];
  const reservations: PortReservation[] = [];
  let stopping = false;

  const exited = (child: ChildProcess) =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
    });

  const stop = async () => {
    stopping = true;
    await Promise.all(
      children.map(async ({ child }) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
        child.kill('SIGTERM');
        await exited(child);
        clearTimeout(kill);
      }),
    );
    for (const r of reservations) r.release();
    if (!opts.namespace) rmSync(path.join(foodmeshDir, 'stack.json'), { force: true });
  };

  /** Starts one process of a service with `env`; resolves with what it bound once it reports ready. */
  const spawnReplica = async (spec: ServiceSpec, index: number, name: string, env: Record<string, string>, logFile: string): Promise<Replica> => {
    if (stopping) throw new Error(`${spec.name}: not started, the stack is stopping`);
    const file = createWriteStream(logFile, { flags: 'a' });
    const child = spawn(process.execPath, [spec.main], { env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    const entry = { service: spec.name, index, child, killed: false };
    children.push(entry);
    // The last lines it wrote: a service that dies at start-up says why there, and the
    // reason must reach whoever only sees the error (a CI log, not the log folder).
    const lastLines: string[] = [];
    const pipe = (stream: NodeJS.ReadableStream) =>
      createInterface({ input: stream }).on('line', (line) => {
        file.write(`${line}\n`);
        lastLines.push(line.length > 2000 ? `${line.slice(0, 2000)}…` : line);
        if (lastLines.length > 15) lastLines.shift();
        try {
          const e = JSON.parse(line) as { level: number; msg?: string; err?: { message?: string } };
          if (e.level >= 40) opts.log(`${name} ${LEVELS[e.level]} ${e.msg ?? ''}${e.err?.message ? `: ${e.err.message}` : ''}`);
        } catch {
          opts.log(`${name} ${line}`);
        }
      });
    pipe(child.stdout!);
    pipe(child.stderr!);
    const ports = await new Promise<Record<string, number>>((resolve, reject) => {
      const timeoutMs = opts.readyTimeoutMs ?? 60_000;
      const timer = setTimeout(
        () => reject(new Error(`${name} did not report ready within ${timeoutMs / 1000} s; see ${path.relative(process.cwd(), logFile)}`)),
        timeoutMs,
      );
      child.on('message', (m) => {
        if (!isReadyMessage(m)) return;
        clearTimeout(timer);
        resolve(m.ports);
      });
      // 'close', not 'exit': by then its output has been read to the end.
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        const reason = `${name} exited (${signal ?? `code ${code}`}); see ${path.relative(process.cwd(), logFile)}`;
        if (!stopping && !entry.killed) opts.log(reason);
        reject(new Error(`${reason}; its last lines:\n${lastLines.join('\n')}`));
      });
    });
    return { index, pid: child.pid!, address: `127.0.0.1:${ports.grpc}`, grpcPort: ports.grpc!, metricsPort: ports.metrics!, httpPort: ports.http, logFile };
  };

  /** How to start each replica of a service again (restart). */
  const relaunch = new Map<string, (index: number) => Promise<Replica>>();

  const launch = async (spec: ServiceSpec, upstreams: Array<Promise<StackService>>): Promise<StackService> => {
    if (!existsSync(spec.main)) throw new Error(`${spec.name}: ${path.relative(repoRoot, spec.main)} is missing; run npm run build`);
    const upstream = new Map((await Promise.all(upstreams)).map((u) => [u.name, u.address]));
    const count = opts.replicas?.[spec.name] ?? 1;
    const port = (declared: number | undefined) => (declared === undefined ? undefined : String(anyPort || count > 1 ? 0 : declared));
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>),
      SERVICE_NAME: spec.name,
      GRPC_HOST: '127.0.0.1',
      GRPC_PORT: port(spec.grpcPort)!,
      METRICS_PORT: port(spec.metricsPort)!,
      KAFKA_BROKERS: opts.kafkaBrokers.join(','),
      LOG_LEVEL: opts.logLevel ?? 'info',
      KAFKA_NAMESPACE: opts.namespace ?? '',
      // Local runs are the place for grpcurl: reflection on (production leaves it off).
      GRPC_REFLECTION: 'on',
      ...identity.serviceEnv(),
      ...serviceKafkaEnv(opts.kafkaCredentials, spec.name),
      ...opts.observability?.serviceEnv,
      ...opts.env,
      ...(spec.httpPort === undefined ? {} : { HTTP_PORT: port(spec.httpPort)! }),
      ...Object.fromEntries(Object.entries(spec.env).map(([k, v]) => [k, v.replace(REFERENCE, (_, name: string) => upstream.get(name)!)])),
      // Only a service that switches demo sign-in on (the edge) gets the key that signs users' tokens.
      ...(spec.env.DEMO_SIGN_IN === 'on' ? identity.demoSignInEnv() : {}),
    };
    if (spec.database) {
      const db = `${(opts.namespace ?? '').replace(/[^a-z0-9]/g, '_')}foodmesh_${spec.name.replace(/-/g, '_')}`;
      await createDatabase(opts.databaseAdminUrl, db);
      env.DATABASE_URL = databaseUrl(opts.databaseAdminUrl, db);
    }
    const grpcPorts: number[] = [];
    for (let i = 0; count > 1 && i < count; i++) {
      const r = await reservePort();
      reservations.push(r);
      grpcPorts.push(r.port);
    }
    /** Each replica's environment, its ports fixed to the ones it bound once started (a restart takes them again). */
    const bound: Array<Record<string, string>> = [];
    const start = async (index: number) => {
      const replicaEnv = bound[index] ?? (count > 1 ? { ...env, GRPC_PORT: String(grpcPorts[index]) } : env);
      const name = count > 1 ? `${spec.name}#${index}` : spec.name;
      const r = await spawnReplica(spec, index, name, replicaEnv, path.join(logDir, count > 1 ? `${spec.name}-${index}.log` : `${spec.name}.log`));
      bound[index] = {
        ...replicaEnv,
        GRPC_PORT: String(r.grpcPort),
        METRICS_PORT: String(r.metricsPort),
        ...(r.httpPort === undefined ? {} : { HTTP_PORT: String(r.httpPort) }),
      };
      return r;
    };
    relaunch.set(spec.name, start);
    // The first replica migrates the database alone; the others then start side by side.
    const first = await start(0);
    const replicas = [first, ...(await Promise.all(Array.from({ length: count - 1 }, (_, i) => start(i + 1))))];
    return {
      ...spec,
      grpcPort: first.grpcPort,
      metricsPort: first.metricsPort,
      httpPort: first.httpPort,
      address: replicas.map((r) => r.address).join(','),
      logFile: first.logFile,
      databaseUrl: env.DATABASE_URL,
      replicas,
    };
  };

  const started = new Map<string, Promise<StackService>>();
  let services: StackService[];
  try {
    // What KafkaTopic and KafkaUser resources do in the cluster: services create no topic.
    await provisionKafka({ brokers: opts.kafkaBrokers, credentials: opts.kafkaCredentials, namespace: opts.namespace });
    for (const { spec, after } of startOrder(specs))
      started.set(
        spec.name,
        launch(
          spec,
          after.map((name) => started.get(name)!),
        ),
      );
    // Every launch settles (one that waits on a failed upstream fails with it) before the stack is stopped.
    const results = await Promise.allSettled([...started.values()]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    const byName = new Map(results.map((r) => (r as PromiseFulfilledResult<StackService>).value).map((s) => [s.name, s]));
    services = specs.map((s) => byName.get(s.name)!);
  } catch (err) {
    await stop();
    throw err;
  }

  const live = (service: string, index: number) => {
    const entry = children.findLast((c) => c.service === service && c.index === index);
    if (!entry) throw new Error(`the stack has no replica ${index} of ${service}`);
    return entry;
  };
  const kill = async (service: string, index: number, signal: NodeJS.Signals = 'SIGKILL') => {
    const entry = live(service, index);
    entry.killed = true; // its exit is no news
    if (entry.child.exitCode === null && entry.child.signalCode === null) entry.child.kill(signal);
    await exited(entry.child);
  };

  opts.observability?.setTargets(services.flatMap((s) => s.replicas.map((r) => ({ service: s.name, metricsPort: r.metricsPort }))));
  if (!opts.namespace)
    writeFileSync(
      path.join(foodmeshDir, 'stack.json'),
      JSON.stringify(
        {
          pid: process.pid,
          kafka: { brokers: opts.kafkaBrokers, namespace: '', security: adminSecurity(opts.kafkaCredentials) },
          services: Object.fromEntries(
            services.map((s) => [
              s.name,
              { address: s.address, metrics: `http://127.0.0.1:${s.metricsPort}/metrics`, httpPort: s.httpPort, databaseUrl: s.databaseUrl },
            ]),
          ),
        },
        null,
        2,
      ) + '\n',
      { mode: 0o600 }, // it holds the Kafka admin's password
    );
  return {
    services,
    identity,
    stop,
    kill,
    async restart(service, { index = 0, signal = 'SIGKILL' } = {}) {
      const killedAt = Date.now();
      await kill(service, index, signal);
      const startedAt = Date.now();
      const replica = await relaunch.get(service)!(index);
      services.find((s) => s.name === service)!.replicas[index] = replica;
      return { killedAt, startedAt, readyAt: Date.now(), replica };
    },
  };
}
