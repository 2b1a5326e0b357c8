import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { service as HealthService } from 'grpc-health-check';
import { discoverServices, startStack, testKafkaCredentials, type RunningStack } from '../src';
import { runDeadLettersCommand } from '../src/cli';

/** grpc.health.v1 Check of the whole server ('' = every service it serves). */
async function healthOf(address: string): Promise<string> {
  const Client = grpc.makeGenericClientConstructor(HealthService, 'Health');
  const client = new Client(address, grpc.credentials.createInsecure()) as unknown as grpc.Client & { Check: Function };
  try {
    return await new Promise((resolve, reject) =>
      client.Check({ service: '' }, { deadline: Date.now() + 5000 }, (err: Error | null, res?: { status: string }) =>
        err ? reject(err) : resolve(res!.status),
      ),
    );
  } finally {
    client.close();
  }
}

/**
 * What `npm start` does, on the test run's PostgreSQL + Kafka: every built
 * service starts from its dist/main.js, migrates its own database, and answers
 * its health check and /metrics. (Ports chosen by the OS and names namespaced,
 * so a developer's running stack is left alone.) Payment runs as two replicas.
 */
describe('npm start stack', () => {
  let stack: RunningStack;
  const lines: string[] = [];

  beforeAll(async () => {
    stack = await startStack({
      databaseAdminUrl: process.env.TEST_DATABASE_URL!,
      kafkaBrokers: process.env.TEST_KAFKA_BROKERS!.split(','),
      kafkaCredentials: testKafkaCredentials(),
      log: (line) => lines.push(line),
      logLevel: 'warn',
      ports: 'any',
      namespace: `t${randomBytes(3).toString('hex')}.`,
      replicas: { payment: 2 },
    });
  }, 120_000);
  afterAll(() => stack?.stop());

  it('runs every service that declares how to run it', () => {
    const declared = discoverServices().map((s) => s.name);
    expect(declared.length).toBeGreaterThan(0);
    expect(stack.services.map((s) => s.name)).toEqual(declared);
  });

  it('answers the gRPC health check of each service on the port it reported', async () => {
    for (const s of stack.services) expect([s.name, await healthOf(s.replicas[0]!.address)]).toEqual([s.name, 'SERVING']);
  });

  it('reports a real, distinct port for every listener', () => {
    const ports = stack.services.flatMap((s) => s.replicas.flatMap((r) => [r.grpcPort, r.metricsPort, ...(r.httpPort ? [r.httpPort] : [])]));
    expect(ports.every((p) => p > 0)).toBe(true);
    expect(new Set(ports).size).toBe(ports.length);
  });

  it('serves Prometheus metrics from each service', async () => {
    for (const s of stack.services) {
      const res = await fetch(`http://127.0.0.1:${s.metricsPort}/metrics`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain(`service="${s.name}"`);
    }
  });

  it('answers `npm run dead-letters` for each consuming service, as the ops workload', async () => {
    const store = stack.services.find((s) => s.name === 'store')!;
    const out: string[] = [];
    await runDeadLettersCommand(['store', 'list', '--address', store.address], { identity: stack.identity, print: (l) => out.push(l) });
    expect(out).toEqual(['store: 0 dead letter(s)']);
    await expect(
      runDeadLettersCommand(['store', 'replay', '42', '--address', store.address], { identity: stack.identity, print: () => undefined }),
    ).rejects.toThrow('this service has no dead letter 42');
    await expect(runDeadLettersCommand(['store', 'replay'], { identity: stack.identity })).rejects.toThrow('usage: npm run dead-letters');
  });

  it('logs no errors while starting', () => {
    expect(lines.filter((l) => / (ERROR|FATAL) /.test(l))).toEqual([]);
  });

  describe('replicas', () => {
    const payment = () => stack.services.find((s) => s.name === 'payment')!;

    it('runs each replica as its own process at its own address, and gives callers the list', async () => {
      const { replicas, address } = payment();
      expect(replicas).toHaveLength(2);
      expect(new Set(replicas.map((r) => r.pid)).size).toBe(2);
      expect(address).toBe(replicas.map((r) => r.address).join(','));
      for (const r of replicas) expect(await healthOf(r.address)).toBe('SERVING');
      const order = stack.services.find((s) => s.name === 'order')!.replicas[0]!;
      const env = readFileSync(`/proc/${order.pid}/environ`, 'utf8').split('\0');
      expect(env).toContain(`PAYMENT_ADDR=${address}`);
    });

    // SIGTERM: a SIGKILLed member stays in its consumer group for the session timeout (KAFKA_SESSION_TIMEOUT_MS, 6 s), which
    // the restart's group join would wait for; the scale drill (npm run loadtest -- scale) SIGKILLs.
    it('restarts a stopped replica at the address its callers were given', async () => {
      const before = payment().replicas[1]!;
      await stack.kill('payment', 1, 'SIGTERM');
      await expect(healthOf(before.address)).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
      const { replica: after } = await stack.restart('payment', { index: 1 });
      expect(after.pid).not.toBe(before.pid);
      expect(after.address).toBe(before.address);
      expect(payment().replicas[1]).toEqual(after);
      expect(await healthOf(after.address)).toBe('SERVING');
    });
  });
});
