import { randomBytes } from 'node:crypto';
import { startStack, testKafkaCredentials, type RunningStack } from '@foodmesh/local-infra';
import { connectClients, type Clients } from '../src/clients';
import { Flows } from '../src/flows';
import { Report } from '../src/report';

/**
 * `npm run scenario`, as part of the test suite: every service built and run as
 * `npm start` runs it (child processes, own databases), on the test run's
 * PostgreSQL + Kafka, driven through the ten steps and the side paths.
 */
describe('end-to-end scenario on the whole stack', () => {
  let stack: RunningStack;
  let clients: Clients;
  const lines: string[] = [];
  const report = new Report((l) => lines.push(l));

  beforeAll(async () => {
    stack = await startStack({
      databaseAdminUrl: process.env.TEST_DATABASE_URL!,
      kafkaBrokers: process.env.TEST_KAFKA_BROKERS!.split(','),
      kafkaCredentials: testKafkaCredentials(),
      log: () => undefined,
      logLevel: 'warn',
      ports: 'any',
      namespace: `e2e${randomBytes(3).toString('hex')}.`,
    });
    clients = connectClients(Object.fromEntries(stack.services.map((s) => [s.name, s.address])), stack.identity);
  }, 120_000);

  afterAll(async () => {
    clients?.close();
    await stack?.stop();
    // What a person would have seen from `npm run scenario`.
    process.stdout.write(`${lines.join('\n')}\n${report.summary()}\n`);
  });

  const flows = () => new Flows(clients, report);
  // The report is shared (its summary covers the whole run); each test answers for its own steps only.
  let failuresBefore = 0;
  beforeEach(() => {
    failuresBefore = report.failures.length;
  });
  const newFailures = () => report.failures.slice(failuresBefore);

  it('walks the ten steps: order, pay, owner, cook, rider, watch, delivered', async () => {
    await flows().tenSteps();
    expect(newFailures()).toEqual([]);
    expect(report.passed).toBe(10);
  }, 120_000);

  it('refunds a paid order the store rejects', async () => {
    await flows().storeRejects();
    expect(newFailures()).toEqual([]);
  }, 60_000);

  it('cancels and refunds before cooking', async () => {
    await flows().cancelBeforeCooking();
    expect(newFailures()).toEqual([]);
  }, 60_000);

  it('refuses a cancel after cooking started', async () => {
    await flows().cancelAfterCooking();
    expect(newFailures()).toEqual([]);
  }, 60_000);

  it('keeps an order when payment is down and takes the payment later', async () => {
    await flows().payLater();
    expect(newFailures()).toEqual([]);
  }, 90_000);
});
