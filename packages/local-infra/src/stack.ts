import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import * as grpc from '@grpc/grpc-js';
import { service as HealthService } from 'grpc-health-check';
import { createDatabase, databaseUrl } from './postgres';
import { foodmeshDir, freePort, repoRoot, type Log } from './util';

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

/** Waits until grpc.health.v1 says SERVING, or fails after `timeoutMs`. */
export async function waitForHealthy(address: string, timeoutMs: number, exited: () => string | undefined): Promise<void> {
  const Client = grpc.makeGenericClientConstructor(HealthService, 'Health');
  const client = new Client(address, grpc.credentials.createInsecure()) as unknown as grpc.Client & { Check: Function };
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      const why = exited();
      if (why) throw new Error(why);
      const ok = await new Promise<boolean>((resolve) =>
        client.Check({ service: '' }, { deadline: Date.now() + 1000 }, (err: Error | null, res?: { status: string }) => resolve(!err && res?.status === 'SERVING')),
      );
      if (ok) return;
      if (Date.now() > deadline) throw new Error(`not healthy after ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    client.close();
  }
}

export interface RunningStack {
  services: Array<ServiceSpec & { address: string; logFile: string }>;
  stop(): Promise<void>;
}

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

/**
 * Starts each service as a child process (`node dist/main.js`) with its own
 * database and the shared Kafka, waits for its health check, and streams
 * warnings and errors to the console (full JSON logs go to .foodmesh/logs/).
 */
export async function startStack(opts: {
  databaseAdminUrl: string;
  kafkaBrokers: string[];
  log: Log;
  logLevel?: string;
  /**
   * Added to every declared port, or `'free'`: ports the OS has just handed out
   * (tests, which run stacks beside each other and beside a developer's).
   */
  portOffset?: number | 'free';
  /** Prefix for database names and the Kafka namespace (tests). */
  namespace?: string;
}): Promise<RunningStack> {
  const offset = opts.portOffset ?? 0;
  const port = async (declared: number) => (offset === 'free' ? freePort() : declared + offset);
  const specs: ServiceSpec[] = [];
  for (const s of discoverServices()) {
    specs.push({
      ...s,
      grpcPort: await port(s.grpcPort),
      metricsPort: await port(s.metricsPort),
      httpPort: s.httpPort === undefined ? undefined : await port(s.httpPort),
    });
  }
  const addressOf = new Map(specs.map((s) => [s.name, `127.0.0.1:${s.grpcPort}`]));
  // "env" values may name another service as {payment}: replaced by its address.
  const resolve = (value: string) =>
    value.replace(/\{([a-z-]+)\}/g, (_, name: string) => {
      const address = addressOf.get(name);
      if (!address) throw new Error(`a service's env refers to {${name}}, but there is no service ${name}`);
      return address;
    });
  const logDir = path.join(foodmeshDir, opts.namespace ? `logs-${opts.namespace.replace(/\W/g, '')}` : 'logs');
  mkdirSync(logDir, { recursive: true });
  const children: Array<{ spec: ServiceSpec; child: ChildProcess }> = [];
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

  try {
    await Promise.all(
      specs.map(async (spec) => {
        if (!existsSync(spec.main)) throw new Error(`${spec.name}: ${path.relative(repoRoot, spec.main)} is missing; run npm run build`);
        const env: Record<string, string> = {
          ...(process.env as Record<string, string>),
          SERVICE_NAME: spec.name,
          GRPC_HOST: '127.0.0.1',
          GRPC_PORT: String(spec.grpcPort),
          METRICS_PORT: String(spec.metricsPort),
          KAFKA_BROKERS: opts.kafkaBrokers.join(','),
          LOG_LEVEL: opts.logLevel ?? 'info',
          KAFKA_NAMESPACE: opts.namespace ?? '',
          ...(spec.httpPort === undefined ? {} : { HTTP_PORT: String(spec.httpPort) }),
          ...Object.fromEntries(Object.entries(spec.env).map(([k, v]) => [k, resolve(v)])),
        };
        if (spec.database) {
          const db = `${(opts.namespace ?? '').replace(/[^a-z0-9]/g, '_')}foodmesh_${spec.name.replace(/-/g, '_')}`;
          await createDatabase(opts.databaseAdminUrl, db);
          env.DATABASE_URL = databaseUrl(opts.databaseAdminUrl, db);
        }
        const logFile = path.join(logDir, `${spec.name}.log`);
        const file = createWriteStream(logFile, { flags: 'a' });
        const child = spawn(process.execPath, [spec.main], { env, stdio: ['ignore', 'pipe', 'pipe'] });
        children.push({ spec, child });
        let exitReason: string | undefined;
        // The last lines it wrote: a service that dies at start-up says why there, and the
        // reason must reach whoever only sees the error (a CI log, not the log folder).
        const lastLines: string[] = [];
        // 'close', not 'exit': by then its output has been read to the end.
        child.on('close', (code, signal) => {
          exitReason = `${spec.name} exited (${signal ?? `code ${code}`}); see ${path.relative(process.cwd(), logFile)}`;
          if (!stopping) opts.log(exitReason);
          exitReason += `; its last lines:\n${lastLines.join('\n')}`;
        });
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
        await waitForHealthy(`127.0.0.1:${spec.grpcPort}`, 60_000, () => exitReason);
      }),
    );
  } catch (err) {
    await stop();
    throw err;
  }

  const services = specs.map((s) => ({ ...s, address: `127.0.0.1:${s.grpcPort}`, logFile: path.join(logDir, `${s.name}.log`) }));
  if (!opts.namespace) writeFileSync(
    path.join(foodmeshDir, 'stack.json'),
    JSON.stringify({ pid: process.pid, services: Object.fromEntries(services.map((s) => [s.name, { address: s.address, metrics: `http://127.0.0.1:${s.metricsPort}/metrics`, httpPort: s.httpPort }])) }, null, 2) + '\n',
  );
  return { services, stop };
}
