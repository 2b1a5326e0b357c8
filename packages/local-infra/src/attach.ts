import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { KafkaSecurity } from '@foodmesh/platform';
import { startInfra } from './index';
import { adminSecurity } from './kafka-provision';
import { persistentLocalIdentity, type LocalIdentity } from './local-identity';
import { observabilityFile } from './observability';
import { localIdentityFile, startStack, type RunningStack } from './stack';
import { foodmeshDir, isAlive, type Log } from './util';

/** What a tool driving a stack needs to know of one service. */
export interface ServiceEndpoints {
  name: string;
  /** host:port, or its replicas' ip:port list. */
  address: string;
  databaseUrl?: string;
}

/** A stack to drive: the one a running `npm start` advertises, or one started for this run. */
export interface StackHandle {
  services: ServiceEndpoints[];
  /**
   * How to reach its Kafka, for every client of it (the suite's crew and drain check connect with
   * it whole, through connectKafka): signed in as the broker's admin, from the credentials the
   * stack's services get theirs from (a tool that reads every topic and group, as tests' buses do).
   */
  kafka: { brokers: string[]; namespace: string; security: KafkaSecurity };
  /** The keys its services trust: act as any user or workload against it. */
  identity: LocalIdentity;
  /** The Prometheus of an `npm start -- --observe`, if that is what runs. */
  prometheusUrl?: string;
  /** Who runs it: an `npm start` of this checkout, or this run. */
  origin: string;
  /** Each process's /metrics URL now (a restarted replica has a new one). */
  metricsTargets(): Array<{ service: string; replica: number; url: string }>;
  /** Only for a stack started by this run: its processes, to kill and restart replicas. */
  running?: RunningStack;
  stop(): Promise<void>;
}

interface StackFile {
  pid: number;
  kafka?: StackHandle['kafka'];
  services: Record<string, { address: string; metrics: string; databaseUrl?: string }>;
}

/**
 * The stack of a running `npm start` (advertised in .foodmesh/stack.json), or a fresh one
 * started for this run on temporary data and stopped afterwards: always such a one when asked for
 * `replicas` (a running npm start has one of each) or `fresh`.
 */
export async function attachOrStartStack(opts: {
  log: Log;
  namespace: string;
  logLevel?: string;
  replicas?: Record<string, number>;
  /** Start a stack of its own even when npm start runs (a benchmark on empty databases). */
  fresh?: boolean;
  /** More environment for the services of a stack started here (not for a running npm start). */
  env?: Record<string, string>;
}): Promise<StackHandle> {
  const file = path.join(foodmeshDir, 'stack.json');
  const wantsReplicas = Object.values(opts.replicas ?? {}).some((n) => n > 1);
  if (!wantsReplicas && !opts.fresh && existsSync(file)) {
    const state = JSON.parse(readFileSync(file, 'utf8')) as StackFile;
    if (isAlive(state.pid) && state.kafka) {
      if (Object.keys(opts.env ?? {}).length) opts.log(`the running npm start keeps its own settings (not applied: ${Object.keys(opts.env!).join(', ')})`);
      const entries = Object.entries(state.services);
      return {
        services: entries.map(([name, s]) => ({ name, address: s.address, databaseUrl: s.databaseUrl })),
        kafka: state.kafka,
        identity: persistentLocalIdentity(localIdentityFile),
        prometheusUrl: observedBy(state.pid)?.prometheusUrl,
        origin: `the running npm start (pid ${state.pid})`,
        metricsTargets: () => entries.map(([name, s]) => ({ service: name, replica: 0, url: s.metrics })),
        stop: async () => undefined,
      };
    }
  }
  opts.log(`starting PostgreSQL, Kafka and every service for this run${wantsReplicas ? ` (replicas: ${JSON.stringify(opts.replicas)})` : ''}…`);
  const infra = await startInfra({ log: opts.log });
  try {
    // Ports the OS hands out and a namespace: never collides with a developer's `npm start`.
    const running = await startStack({
      databaseAdminUrl: infra.databaseAdminUrl,
      kafkaBrokers: infra.kafkaBrokers,
      kafkaCredentials: infra.kafkaCredentials,
      log: opts.log,
      logLevel: opts.logLevel ?? 'error',
      ports: 'any',
      namespace: opts.namespace,
      replicas: opts.replicas,
      env: opts.env,
    });
    return stackHandle(
      running,
      { brokers: infra.kafkaBrokers, namespace: opts.namespace, security: adminSecurity(infra.kafkaCredentials) },
      'a stack started by this run',
      async () => {
        await running.stop();
        await infra.stop();
      },
    );
  } catch (err) {
    await infra.stop();
    throw err;
  }
}

/** A handle on a stack this process started (startStack): its processes can be killed and restarted. */
export function stackHandle(running: RunningStack, kafka: StackHandle['kafka'], origin: string, stop: () => Promise<void>): StackHandle {
  return {
    services: running.services.map((s) => ({ name: s.name, address: s.address, databaseUrl: s.databaseUrl })),
    kafka,
    identity: running.identity,
    origin,
    metricsTargets: () =>
      running.services.flatMap((s) => s.replicas.map((r) => ({ service: s.name, replica: r.index, url: `http://127.0.0.1:${r.metricsPort}/metrics` }))),
    running,
    stop,
  };
}

/** The backends `npm start -- --observe` advertises, when the stack of `pid` is observed. */
function observedBy(pid: number): { prometheusUrl: string } | undefined {
  if (!existsSync(observabilityFile)) return undefined;
  const o = JSON.parse(readFileSync(observabilityFile, 'utf8')) as { pid: number; prometheusUrl: string };
  return o.pid === pid ? o : undefined;
}
