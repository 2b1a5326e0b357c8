import { attachOrStartStack, type LocalIdentity } from '@foodmesh/local-infra';

export interface ScenarioStack {
  addresses: Record<string, string>;
  /** The keys the stack's services trust. */
  identity: LocalIdentity;
  /** Who runs it: an `npm start` of this checkout, or this run. */
  origin: string;
  /** The Prometheus of an `npm start -- --observe`, if that is what runs. */
  prometheusUrl?: string;
  stop(): Promise<void>;
}

/** The running `npm start`, or a stack started for this run (expected failures log warnings: show only errors). */
export async function connectToStack(log: (line: string) => void): Promise<ScenarioStack> {
  const stack = await attachOrStartStack({ log, namespace: 'scenario.', logLevel: 'error' });
  return {
    addresses: Object.fromEntries(stack.services.map((s) => [s.name, s.address])),
    identity: stack.identity,
    origin: stack.origin,
    prometheusUrl: stack.prometheusUrl,
    stop: stack.stop,
  };
}
