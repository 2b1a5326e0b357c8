import type { Infra } from './index';
import { INFRA_KEY } from './jest-global-setup';

/** jest globalTeardown: stops both servers and deletes their temp data dirs. */
export default async function globalTeardown(): Promise<void> {
  const g = globalThis as Record<string, unknown>;
  const infra = g[INFRA_KEY] as Infra | undefined;
  delete g[INFRA_KEY];
  await infra?.stop();
}
