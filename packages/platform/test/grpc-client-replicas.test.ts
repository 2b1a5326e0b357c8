import { Payment, PaymentServiceService } from '@foodmesh/proto-gen/foodmesh/payment/v1/payment';
import { testIdentity, testLogger } from '@foodmesh/testkit';
import { baseConfigSchema, bindService, createGrpcClient, loadMeshPolicy, parseConfig, runService, type GrpcClient, type RunningService } from '../src';

const unused = async (): Promise<never> => {
  throw new Error('not used in this test');
};

/** A payment replica that answers GetPayment with its own name. */
const replica = (name: string) =>
  runService({
    config: parseConfig(baseConfigSchema, {
      SERVICE_NAME: name,
      GRPC_HOST: '127.0.0.1',
      GRPC_PORT: '0',
      METRICS_PORT: '0',
      SHUTDOWN_GRACE_MS: '1000',
      ...testIdentity.serviceEnv(),
    }),
    logger: testLogger(name),
    protoFiles: ['foodmesh/payment/v1/payment.proto'],
    build: async () => [
      bindService(PaymentServiceService, {
        pay: unused,
        listPayments: unused,
        getPayment: async () => ({ payment: Payment.fromPartial({ paymentId: name }) }),
      }),
    ],
  });

describe('a client of replicas (an address list)', () => {
  let a: RunningService;
  let b: RunningService;
  let client: GrpcClient<typeof PaymentServiceService>;
  const whoAnswers = async () => (await client.getPayment({ paymentId: 'p' })).payment!.paymentId;

  beforeAll(async () => {
    [a, b] = await Promise.all([replica('replica-a'), replica('replica-b')]);
    client = createGrpcClient(PaymentServiceService, {
      address: `127.0.0.1:${a.grpcPort},127.0.0.1:${b.grpcPort}`,
      upstream: 'payment',
      policy: loadMeshPolicy(),
      resilienceMode: 'local',
      caller: 'test',
      workloadIdentity: testIdentity.workload('order'), // every call proves its workload, as order's do
    });
  });

  afterAll(async () => {
    client?.close();
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it('spreads calls round-robin over every replica', async () => {
    // Until both connections are up, calls go to whichever is ready first.
    const seen = new Set<string>();
    for (let i = 0; i < 100 && seen.size < 2; i++) seen.add(await whoAnswers());
    expect(seen).toEqual(new Set(['replica-a', 'replica-b']));
    const answers: string[] = [];
    for (let i = 0; i < 20; i++) answers.push(await whoAnswers());
    expect(answers.filter((n) => n === 'replica-a')).toHaveLength(10);
    expect(answers.filter((n) => n === 'replica-b')).toHaveLength(10);
  });

  it('keeps answering from the replicas left when one goes away', async () => {
    await a.stop();
    const answers: string[] = [];
    for (let i = 0; i < 10; i++) answers.push(await whoAnswers());
    expect(answers).toEqual(Array(10).fill('replica-b'));
  });
});
