import type { HealthImplementation } from 'grpc-health-check';
import { Gauge } from 'prom-client';
import type { Logger } from './logger';
import type { PlatformMetrics } from './metrics';

/**
 * The names a service's grpc.health.v1 answers for, and what each means:
 *  - `liveness`: the process serves gRPC; NOT_SERVING only while it shuts down (Kubernetes
 *    startup and liveness probes: a database outage must not restart every pod).
 *  - `""` and each gRPC service it serves: its sync API can work, i.e. every database it uses
 *    answers (the readiness probe).
 *  - `consumer`: each of its Kafka consumers is a member of its group. Not part of readiness: a
 *    consumer rejoining after a restart or rebalance must not hold back sync traffic.
 */
export const LIVENESS = 'liveness';
export const CONSUMER = 'consumer';

type Status = 'SERVING' | 'NOT_SERVING';

/** A check that rejects when a dependency of the sync API cannot be reached. */
export type DependencyCheck = () => Promise<unknown>;

export interface ServiceHealthOptions {
  logger: Logger;
  metrics: PlatformMetrics;
  /** How often the dependencies are checked. */
  intervalMs?: number;
  /** A check slower than this counts as failed. */
  timeoutMs?: number;
}

/**
 * Tracks readiness (dependency checks, run periodically) and consumer-group membership, and
 * publishes both as health statuses and as gauges (`service_ready`, `kafka_consumer_group_member`).
 */
export function createServiceHealth(opts: ServiceHealthOptions) {
  const intervalMs = opts.intervalMs ?? 2_000;
  const timeoutMs = opts.timeoutMs ?? 5_000;
  const checks = new Map<string, DependencyCheck>();
  const members = new Map<string, boolean>();
  let ready = true;
  let target: { health: HealthImplementation; services: string[] } | undefined;
  let timer: NodeJS.Timeout | undefined;
  let checking: Promise<void> | undefined;
  let stopped = false;

  const readyGauge = new Gauge({
    name: 'service_ready',
    help: 'Whether the sync API can work (every database it uses answers): 1 ready, 0 not',
    registers: [opts.metrics.registry],
  });
  const memberGauge = new Gauge({
    name: 'kafka_consumer_group_member',
    help: 'Whether the consumer is a member of its group (1) or not: starting, rebalancing, crashed or stopped (0)',
    labelNames: ['consumer'],
    registers: [opts.metrics.registry],
  });
  readyGauge.set(1);

  const consuming = () => [...members.values()].every(Boolean);
  const publish = () => {
    if (!target || stopped) return;
    const readiness: Status = ready ? 'SERVING' : 'NOT_SERVING';
    for (const name of ['', ...target.services]) target.health.setStatus(name, readiness);
    target.health.setStatus(LIVENESS, 'SERVING');
    if (members.size > 0) target.health.setStatus(CONSUMER, consuming() ? 'SERVING' : 'NOT_SERVING');
  };

  async function checkOnce(): Promise<void> {
    const failures: string[] = [];
    await Promise.all(
      [...checks].map(async ([name, check]) => {
        let timeout: NodeJS.Timeout | undefined;
        try {
          await Promise.race([
            check(),
            new Promise((_, reject) => (timeout = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs))),
          ]);
        } catch (err) {
          failures.push(`${name}: ${(err as Error).message}`);
        } finally {
          clearTimeout(timeout);
        }
      }),
    );
    const now = failures.length === 0;
    if (now !== ready) {
      if (now) opts.logger.info('dependencies answer again: ready');
      else opts.logger.warn({ failures }, 'a dependency does not answer: not ready');
    }
    ready = now;
    readyGauge.set(ready ? 1 : 0);
    publish();
  }

  return {
    /** Adds a dependency the sync API needs (e.g. the service's database). */
    addDependency(name: string, check: DependencyCheck): void {
      checks.set(name, check);
    },

    /** A consumer that reports its membership; it counts as not consuming until it first joins. */
    addConsumer(consumer: string): (joined: boolean) => void {
      members.set(consumer, false);
      memberGauge.set({ consumer }, 0);
      publish();
      return (joined) => {
        if (members.get(consumer) === joined) return;
        members.set(consumer, joined);
        memberGauge.set({ consumer }, joined ? 1 : 0);
        publish();
      };
    },

    /** Starts publishing to the server's health service and checking the dependencies. */
    serve(health: HealthImplementation, services: string[]): void {
      target = { health, services };
      publish();
      timer = setInterval(() => {
        checking ??= checkOnce().finally(() => (checking = undefined));
      }, intervalMs);
      timer.unref();
    },

    /** Stops checking and reporting (the server marks itself NOT_SERVING as it drains). */
    async stop(): Promise<void> {
      clearInterval(timer);
      await checking;
      if (target && members.size > 0) target.health.setStatus(CONSUMER, 'NOT_SERVING');
      stopped = true;
    },
  };
}
export type ServiceHealth = ReturnType<typeof createServiceHealth>;
