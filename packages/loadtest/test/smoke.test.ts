import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Metadata, status } from '@grpc/grpc-js';
import { adminSecurity, stackHandle, testKafkaCredentials, type RunningStack, type StackHandle } from '@foodmesh/local-infra';
import { createGrpcClient, loadMeshPolicy, WORKLOAD_TOKEN_HEADER } from '@foodmesh/platform';
import { startTestStack } from '@foodmesh/testkit';
import { OrderServiceService } from '@foodmesh/proto-gen/foodmesh/order/v1/order';
import { callHeaders, signIn } from '../src/credentials';
import { ensureGhz } from '../src/ghz';
import { runScenario, type RunSummary } from '../src/run';
import { loadScenario } from '../src/scenario';

/**
 * `npm run loadtest -- smoke`, for real and bounded (12 orders, the drain, the books): ghz
 * through the edge with tokens from its SignIn, the crew on the saga's events, /metrics sampled,
 * the books read from every database, the report written. So the whole path cannot rot.
 */
describe('the load suite on the whole stack (scenario smoke)', () => {
  let running: RunningStack;
  let stack: StackHandle;
  const resultsDir = mkdtempSync(path.join(tmpdir(), 'foodmesh-loadtest-'));
  let summary: RunSummary;

  beforeAll(async () => {
    ensureGhz(); // built once into .foodmesh/bin (CI: .ci/run does it before npm test)
    const brokers = process.env.TEST_KAFKA_BROKERS!.split(',');
    const scenario = loadScenario('smoke');
    const started = await startTestStack('lt', { env: scenario.stack.env });
    running = started.stack;
    const namespace = started.namespace;
    stack = stackHandle(running, { brokers, namespace, security: adminSecurity(testKafkaCredentials()) }, 'the test stack', () => running.stop());
    summary = await runScenario({ scenario, log: () => undefined, stack, resultsDir });
  }, 300_000);
  afterAll(() => running?.stop());

  it('sends the twelve orders of the scenario through the edge', () => {
    expect(summary.rpc.count).toBe(12);
    // A busy machine may time some out at the edge (its 3 s deadline); their orders exist all the same.
    expect(Object.values(summary.runOrders).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(summary.rpc.ok);
    expect(summary.rpc.ok + (summary.rpc.errors.DeadlineExceeded ?? 0)).toBe(12);
  });

  it('takes every saga of the run to its end with the crew: delivered, rejected, and some cancels', () => {
    const { final, unfinished } = summary.crew!.sagas;
    expect(unfinished).toBe(0);
    expect(summary.crew!.failures).toEqual([]);
    expect(final.COMPLETED).toBeGreaterThan(0);
    expect(final.REJECTED).toBeGreaterThan(0);
    expect(summary.crew!.actions.cancel).toBeDefined();
    const runOrders = Object.values(summary.runOrders).reduce((a, b) => a + b, 0);
    expect(Object.values(final).reduce((a, b) => a + b, 0)).toBe(runOrders);
  });

  it('balances the books and meets the scenario thresholds', () => {
    expect(summary.books.problems).toEqual([]);
    expect(summary.thresholds.filter((t) => !t.passed)).toEqual([]);
    expect(summary.passed).toBe(true);
  });

  it('measured the stack while it ran: RPC shares, view lag, one relay leader per publishing service', () => {
    expect(summary.viewLag.count).toBeGreaterThan(0);
    expect(summary.replicas.order![0]!.rpcs).toBeGreaterThan(0);
    for (const service of ['order', 'payment', 'store', 'delivery']) expect([service, summary.relayLeaders[service]]).toEqual([service, 1]);
  });

  it('gets tokens from the edge only for known users, and only when they outlive the run', async () => {
    const edge = stack.services.find((s) => s.name === 'edge')!.address;
    const users = await signIn(edge, { validForMs: 60_000 });
    expect([...users.values()].map((u) => u.role).sort()).toEqual(expect.arrayContaining(['customer', 'owner', 'rider']));
    expect(users.get('owner-1')).toMatchObject({ storeId: 'store-gangnam-chicken' });
    await expect(signIn(edge, { validForMs: 60_000, userIds: ['customer-9'] })).rejects.toThrow('cannot sign in as "customer-9"');
    // The edge's tokens live 1 h unless EDGE_TOKEN_TTL_SECONDS says otherwise: a two-day run would outlive them.
    await expect(signIn(edge, { validForMs: 48 * 3600_000, userIds: ['customer-1'] })).rejects.toThrow(
      /expire at .* before this run ends .*EDGE_TOKEN_TTL_SECONDS=173400/,
    );
  });

  it("calls a service behind the edge as the edge does: the user's token and the edge's workload token, living the run", async () => {
    const edge = stack.services.find((s) => s.name === 'edge')!.address;
    const customer = (await signIn(edge, { validForMs: 60_000, userIds: ['customer-1'] })).get('customer-1')!;
    const signedAt = Math.floor(Date.now() / 1000);
    const headers = callHeaders(customer, 'order', { identity: stack.identity, validForMs: 2 * 3600_000 });
    const claims = JSON.parse(Buffer.from(headers[WORKLOAD_TOKEN_HEADER]!.split('.')[1]!, 'base64url').toString()) as { sub: string; exp: number };
    expect(claims.sub).toBe('edge');
    expect(claims.exp).toBeGreaterThanOrEqual(signedAt + 2 * 3600);
    expect(() => callHeaders(customer, 'order')).toThrow("a call to order needs the edge's workload identity");
    const order = createGrpcClient(OrderServiceService, {
      address: stack.services.find((s) => s.name === 'order')!.address,
      upstream: 'order',
      policy: loadMeshPolicy(),
      resilienceMode: 'mesh',
      caller: 'test',
    });
    const metadata = new Metadata();
    for (const [k, v] of Object.entries(headers)) metadata.set(k, v);
    try {
      // Past authentication (a token it refused would be UNAUTHENTICATED): no such order.
      await expect(order.getOrder({ orderId: '00000000-0000-4000-8000-000000000000' }, { metadata })).rejects.toMatchObject({ code: status.NOT_FOUND });
      metadata.set(WORKLOAD_TOKEN_HEADER, 'forged');
      await expect(order.getOrder({ orderId: '00000000-0000-4000-8000-000000000000' }, { metadata })).rejects.toMatchObject({ code: status.UNAUTHENTICATED });
    } finally {
      order.close();
    }
  });

  it("writes ghz's JSON, summary.json and report.html with charts", () => {
    expect(JSON.parse(readFileSync(path.join(resultsDir, 'ghz-1.json'), 'utf8')).details.length).toBe(summary.rpc.count);
    expect(JSON.parse(readFileSync(path.join(resultsDir, 'summary.json'), 'utf8')).passed).toBe(true);
    const html = readFileSync(path.join(resultsDir, 'report.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).toContain('Event-to-view lag');
    expect(existsSync(path.join(resultsDir, 'ghz-config-1.json'))).toBe(true);
  });
});
