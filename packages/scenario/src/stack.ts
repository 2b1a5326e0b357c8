import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { foodmeshDir, isAlive, localIdentityFile, observabilityFile, persistentLocalIdentity, startInfra, startStack, type LocalIdentity } from '@foodmesh/local-infra';

export interface StackHandle {
  addresses: Record<string, string>;
  /** The keys the stack's services trust. */
  identity: LocalIdentity;
  /** Who runs it: an `npm start` of this checkout, or this run. */
  origin: string;
  /** The Prometheus of an `npm start -- --observe`, if that is what runs. */
  prometheusUrl?: string;
  stop(): Promise<void>;
}

/**
 * The stack of a running `npm start` (advertised in .foodmesh/stack.json), or a
 * fresh one started for this run on temporary data and stopped afterwards.
 */
export async function connectToStack(log: (line: string) => void): Promise<StackHandle> {
  const file = path.join(foodmeshDir, 'stack.json');
  if (existsSync(file)) {
    const state = JSON.parse(readFileSync(file, 'utf8')) as { pid: number; services: Record<string, { address: string }> };
    if (isAlive(state.pid)) {
      return {
        addresses: Object.fromEntries(Object.entries(state.services).map(([k, v]) => [k, v.address])),
        identity: persistentLocalIdentity(localIdentityFile),
        origin: `the running npm start (pid ${state.pid})`,
        prometheusUrl: observedBy(state.pid)?.prometheusUrl,
        stop: async () => undefined,
      };
    }
  }
  log('no running stack found: starting PostgreSQL, Kafka and every service for this run…');
  const infra = await startInfra({ log });
  try {
    // Ports the OS hands out and a namespace: never collides with a developer's `npm start`.
    const stack = await startStack({
      databaseAdminUrl: infra.databaseAdminUrl,
      kafkaBrokers: infra.kafkaBrokers,
      kafkaCredentials: infra.kafkaCredentials,
      log,
      // Expected failures (a cancel refused, payment down) log warnings; show only errors.
      logLevel: 'error',
      ports: 'any',
      namespace: 'scenario.',
    });
    return {
      addresses: Object.fromEntries(stack.services.map((s) => [s.name, s.address])),
      identity: stack.identity,
      origin: 'a stack started by this run',
      stop: async () => {
        await stack.stop();
        await infra.stop();
      },
    };
  } catch (err) {
    await infra.stop();
    throw err;
  }
}

/** The backends `npm start -- --observe` advertises, when the stack of `pid` is observed. */
function observedBy(pid: number): { prometheusUrl: string } | undefined {
  if (!existsSync(observabilityFile)) return undefined;
  const o = JSON.parse(readFileSync(observabilityFile, 'utf8')) as { pid: number; prometheusUrl: string };
  return o.pid === pid ? o : undefined;
}
