import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { isReadyMessage } from '@foodmesh/platform';
import type { KafkaCredentials } from './kafka';
import { provisionKafka, serviceKafkaEnv } from './kafka-provision';
import { createLocalIdentity, persistentLocalIdentity, type LocalIdentity } from './local-identity';
import type { Observability } from './observability';
import { createDatabase, databaseUrl } from './postgres';
import { foodmeshDir, repoRoot, type Log } from './util';

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

export interface RunningStack {
  services: Array<ServiceSpec & { address: string; logFile: string }>;
  /** The keys its services trust: act as any user or workload against it. */
  identity: LocalIdentity;
  /**
   * Kills a service (SIGKILL by default: a crash) and starts it again at once with the same
   * environment and ports, as a supervisor would; resolves once it reports ready (it serves).
   */
  restart(name: string, opts?: { signal?: NodeJS.Signals }): Promise<RestartTimes>;
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
  /** Prefix for database names and the Kafka namespace (tests). */
  namespace?: string;
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
  const logDir = path.join(foodmeshDir, opts.namespace ? `logs-${opts.namespace.replace(/\W/g, '')}` : 'logs');
  mkdirSync(logDir, { recursive: true });
  const children: Array<{ spec: ServiceSpec; child: ChildProcess }> = [];
  /** Each service's environment, its ports fixed to the ones it bound (a restart takes them again). */
  const envs = new Map<string, Record<string, string>>();
  let stopping = false;

  const stop = async () => {
    stopping = true;
    await Promise.all(
      children.map(
        ({ child }) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
            child.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
    if (!opts.namespace) rmSync(path.join(foodmeshDir, 'stack.json'), { force: true });
  };

  const started = new Map<string, Promise<ServiceSpec>>();
  const launch = async (spec: ServiceSpec, upstreams: Array<Promise<ServiceSpec>>): Promise<ServiceSpec> => {
    if (!existsSync(spec.main)) throw new Error(`${spec.name}: ${path.relative(repoRoot, spec.main)} is missing; run npm run build`);
    const upstream = new Map((await Promise.all(upstreams)).map((u) => [u.name, `127.0.0.1:${u.grpcPort}`]));
    const port = (declared: number | undefined) => (declared === undefined ? undefined : String(anyPort ? 0 : declared));
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
    const ports = await spawnService(spec, env);
    envs.set(spec.name, {
      ...env,
      GRPC_PORT: String(ports.grpc!),
      METRICS_PORT: String(ports.metrics!),
      ...(ports.http === undefined ? {} : { HTTP_PORT: String(ports.http) }),
    });
    return { ...spec, grpcPort: ports.grpc!, metricsPort: ports.metrics!, httpPort: ports.http };
  };

  /** Runs `node dist/main.js` of one service; resolves with the ports it reports once it serves. */
  const spawnService = async (spec: ServiceSpec, env: Record<string, string>): Promise<Record<string, number>> => {
    if (stopping) throw new Error(`${spec.name}: not started, the stack is stopping`);
    const logFile = path.join(logDir, `${spec.name}.log`);
    const file = createWriteStream(logFile, { flags: 'a' });
    const child = spawn(process.execPath, [spec.main], { env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    children.push({ spec, child });
    // The last lines it wrote: a service that dies at start-up says why there, and the
    // reason must reach whoever only sees the error (a CI log, not the log folder).
    const lastLines: string[] = [];
    const pipe = (stream: NodeJS.ReadableStream) =>
      createInterface({ input: stream }).on('line', (line) => {
        file.write(`${line}\n`);
        lastLines.push(line.length > 2000 ? `${line.slice(0, 2000)}…` : line);
        if (lastLines.length > 15) lastLines.shift();
        try {
          const entry = JSON.parse(line) as { level: number; msg?: string; err?: { message?: string } };
          if (entry.level >= 40) opts.log(`${spec.name} ${LEVELS[entry.level]} ${entry.msg ?? ''}${entry.err?.message ? `: ${entry.err.message}` : ''}`);
        } catch {
          opts.log(`${spec.name} ${line}`);
        }
      });
    pipe(child.stdout!);
    pipe(child.stderr!);
    return new Promise<Record<string, number>>((resolve, reject) => {
      const timeoutMs = opts.readyTimeoutMs ?? 60_000;
      const timer = setTimeout(() => reject(new Error(`${spec.name} did not report ready within ${timeoutMs / 1000} s; see ${path.relative(process.cwd(), logFile)}`)), timeoutMs);
      child.on('message', (m) => {
        if (!isReadyMessage(m)) return;
        clearTimeout(timer);
        resolve(m.ports);
      });
      // 'close', not 'exit': by then its output has been read to the end.
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        const reason = `${spec.name} exited (${signal ?? `code ${code}`}); see ${path.relative(process.cwd(), logFile)}`;
        if (!stopping && !killing.has(child)) opts.log(reason);
        reject(new Error(`${reason}; its last lines:\n${lastLines.join('\n')}`));
      });
    });
  };

  /** Children being killed on purpose by restart(): their exit is no news. */
  const killing = new Set<ChildProcess>();
  const restart = async (name: string, { signal = 'SIGKILL' }: { signal?: NodeJS.Signals } = {}): Promise<RestartTimes> => {
    const i = children.findIndex((c) => c.spec.name === name);
    const env = envs.get(name);
    if (i < 0 || !env) throw new Error(`no service ${name} in this stack`);
    const { spec, child } = children[i]!;
    killing.add(child);
    const exited = new Promise((r) => child.once('exit', r));
    const killedAt = Date.now();
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(signal);
      await exited;
    }
    children.splice(i, 1);
    const startedAt = Date.now();
    await spawnService(spec, env);
    return { killedAt, startedAt, readyAt: Date.now() };
  };

  let running: ServiceSpec[];
  try {
    // What KafkaTopic and KafkaUser resources do in the cluster: services create no topic.
    await provisionKafka({ brokers: opts.kafkaBrokers, credentials: opts.kafkaCredentials, namespace: opts.namespace });
    for (const { spec, after } of startOrder(specs)) started.set(spec.name, launch(spec, after.map((name) => started.get(name)!)));
    // Every launch settles (one that waits on a failed upstream fails with it) before the stack is stopped.
    const results = await Promise.allSettled([...started.values()]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    const byName = new Map(results.map((r) => (r as PromiseFulfilledResult<ServiceSpec>).value).map((s) => [s.name, s]));
    running = specs.map((s) => byName.get(s.name)!);
  } catch (err) {
    await stop();
    throw err;
  }

  const services = running.map((s) => ({ ...s, address: `127.0.0.1:${s.grpcPort}`, logFile: path.join(logDir, `${s.name}.log`) }));
  opts.observability?.setTargets(services.map((s) => ({ service: s.name, metricsPort: s.metricsPort })));
  if (!opts.namespace) writeFileSync(
    path.join(foodmeshDir, 'stack.json'),
    JSON.stringify({ pid: process.pid, services: Object.fromEntries(services.map((s) => [s.name, { address: s.address, metrics: `http://127.0.0.1:${s.metricsPort}/metrics`, httpPort: s.httpPort }])) }, null, 2) + '\n',
  );
  return { services, identity, restart, stop };
}
