import { randomBytes } from 'node:crypto';
import { discoverServices, startStack, type RunningStack } from '../src';

/**
 * What `npm start` does, on the test run's PostgreSQL + Kafka: every built
 * service starts from its dist/main.js, migrates its own database, and answers
 * its health check and /metrics. (Ports shifted and names namespaced, so a
 * developer's running stack is left alone.)
 */
describe('npm start stack', () => {
  let stack: RunningStack;
  const lines: string[] = [];

  beforeAll(async () => {
    stack = await startStack({
      databaseAdminUrl: process.env.TEST_DATABASE_URL!,
      kafkaBrokers: process.env.TEST_KAFKA_BROKERS!.split(','),
      log: (line) => lines.push(line),
      logLevel: 'warn',
      portOffset: 'free',
      namespace: `t${randomBytes(3).toString('hex')}.`,
    });
  }, 120_000);
  afterAll(() => stack?.stop());

  it('runs every service that declares how to run it', () => {
    const declared = discoverServices().map((s) => s.name);
    expect(declared.length).toBeGreaterThan(0);
    expect(stack.services.map((s) => s.name)).toEqual(declared);
  });

  it('serves Prometheus metrics from each service', async () => {
    for (const s of stack.services) {
      const res = await fetch(`http://127.0.0.1:${s.metricsPort}/metrics`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain(`service="${s.name}"`);
    }
  });

  it('logs no errors while starting', () => {
    expect(lines.filter((l) => / (ERROR|FATAL) /.test(l))).toEqual([]);
  });
});
