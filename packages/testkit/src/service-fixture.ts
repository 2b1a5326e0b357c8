import { createPool, type GrpcClient, type Logger, type RunningService, type ServiceDef } from '@foodmesh/platform';
import { testEventBus, type TestEventBus } from './event-bus';
import { freshDatabase, testClient, testIdentity, testLogger, testNamespace, testServiceEnv } from './index';

/**
 * One service under test, the way every service's integration tests start it:
 * its own fresh database and Kafka namespace, the environment `npm start`
 * would give it, a bus recording every saga event (and publishing as the
 * other services would), a pool on its database for assertions, and clients
 * calling it as a given workload. `start`/`stop` may be repeated (a restart
 * keeps the database and namespace, and with `samePort` the port too).
 */
export async function serviceFixture(opts: {
  /** The service's name (SERVICE_NAME, the database's prefix). */
  service: string;
  start(env: Record<string, string>, logger: Logger): Promise<RunningService>;
  /** Extra environment variables. */
  extra?: Record<string, string>;
  /** A Kafka namespace shared with another fixture (default: a fresh one). */
  namespace?: string;
  /** Another service's fixture, tested together with this one: its namespace and bus (which it closes). */
  alongside?: { namespace: string; bus: TestEventBus };
  /**
   * Restarts bind the port the first start got, so callers (other services,
   * the test's clients) reach it again: `stop` then leaves the clients open.
   */
  samePort?: boolean;
  /** Start it at once (default) or leave it to the test. */
  started?: boolean;
}) {
  const namespace = opts.alongside?.namespace ?? opts.namespace ?? (await testNamespace());
  const databaseUrl = await freshDatabase(opts.service);
  const bus = opts.alongside?.bus ?? (await testEventBus({ namespace }));
  const pool = createPool({ connectionString: databaseUrl, max: 4 });
  const env = testServiceEnv({ service: opts.service, databaseUrl, namespace, extra: opts.extra });
  let running: RunningService | undefined;
  const clients: Array<{ close(): void }> = [];

  const fixture = {
    namespace,
    databaseUrl,
    env,
    bus,
    pool,
    get service(): RunningService {
      if (!running) throw new Error(`the ${opts.service} service is not running`);
      return running;
    },
    get running(): boolean {
      return running !== undefined;
    },
    async start(): Promise<RunningService> {
      running = await opts.start(env, testLogger(opts.service));
      if (opts.samePort) env.GRPC_PORT = String(running.grpcPort);
      return running;
    },
    /** Stops the service and closes the clients made for it (unless `samePort` keeps them). */
    async stop(): Promise<void> {
      if (!opts.samePort) for (const c of clients.splice(0)) c.close();
      await running?.stop();
      running = undefined;
    },
    /**
     * A client of the running service (or of a replica the test started from
     * `env`) that proves `workload`'s identity, as that caller would.
     */
    client<D extends ServiceDef>(definition: D, workload: string, of?: RunningService): GrpcClient<D> {
      const c = testClient(definition, `127.0.0.1:${(of ?? fixture.service).grpcPort}`, testIdentity.workload(workload));
      clients.push(c);
      return c;
    },
    /** `SELECT count(*) AS n …` on the service's database. */
    count: async (sql: string, params: unknown[] = []) => Number((await pool.query(sql, params)).rows[0].n),
    async close(): Promise<void> {
      await fixture.stop();
      for (const c of clients.splice(0)) c.close();
      if (!opts.alongside) await bus.close();
      await pool.end();
    },
  };
  if (opts.started ?? true) await fixture.start();
  return fixture;
}
export type ServiceFixture = Awaited<ReturnType<typeof serviceFixture>>;
