import { Kafka, logLevel } from 'kafkajs';
import { testBrokers, testKafka, testKafkaCredentials, testLogger, testNamespace, uniqueId } from '@foodmesh/testkit';
import { connectKafka, newEnvelope, toMessage, type KafkaConnection } from '../src';
import { OrderPlaced } from '@foodmesh/proto-gen/foodmesh/events/v1/order_events';

/**
 * The local broker runs as the cluster's does: no anonymous client, SASL/SCRAM users, and each
 * service's user allowed only what mesh/kafka-access.yaml grants it (here in a test namespace,
 * provisioned by the admin as the stack does).
 */
describe('Kafka access on the real broker (SASL/SCRAM-SHA-512, ACLs)', () => {
  const credentials = testKafkaCredentials();
  const conns: KafkaConnection[] = [];
  afterEach(async () => {
    await Promise.all(conns.splice(0).map((c) => c.close()));
  });
  /** A connection signed in as a service's own user. */
  const as = (user: string, namespace: string) => {
    const c = connectKafka({
      brokers: testBrokers(),
      clientId: uniqueId(`${user}-`),
      logger: testLogger(user),
      namespace,
      security: { sasl: { mechanism: 'scram-sha-512', username: user, password: credentials!.users[user]! } },
    });
    conns.push(c);
    return c;
  };
  const event = (producer: string) =>
    toMessage(newEnvelope({ producer, orderId: 'o-1', payload: { $case: 'orderPlaced', value: OrderPlaced.fromPartial({ orderId: 'o-1' }) } }));

  it('runs with authentication: the test setup has the admin and one user per service', () => {
    expect(credentials?.mechanism).toBe('scram-sha-512');
    expect(Object.keys(credentials!.users).sort()).toEqual(['delivery', 'notification', 'order', 'orderview', 'payment', 'store']);
  });

  it("lets a service's user write its own topic and refuses it another service's topic", async () => {
    const namespace = await testNamespace();
    const order = await as('order', namespace).createPublisher();
    try {
      await expect(order.publish([event('order')])).resolves.toBeUndefined();
      await expect(order.publish([event('payment')])).rejects.toThrow(/not authorized|authorization failed/i);
    } finally {
      await order.close();
    }
    // The payment service's user may write payment.events, but not order.events.
    const payment = await as('payment', namespace).createPublisher();
    try {
      await expect(payment.publish([event('payment')])).resolves.toBeUndefined();
      await expect(payment.publish([event('order')])).rejects.toThrow(/not authorized|authorization failed/i);
    } finally {
      await payment.close();
    }
  });

  it("refuses a service's user another service's consumer group, and topic creation", async () => {
    const namespace = await testNamespace();
    // kafkajs reports a refused FindCoordinator only as "Failed to find group coordinator"; its debug log has the broker's answer.
    const refusals: string[] = [];
    const store = new Kafka({
      clientId: 'store-intruder',
      brokers: testBrokers(),
      sasl: { mechanism: 'scram-sha-512', username: 'store', password: credentials!.users.store! },
      retry: { retries: 1 },
      logLevel: logLevel.DEBUG,
      logCreator: () => (entry) => {
        const type = (entry.log.error as { type?: string } | undefined)?.type;
        if (type) refusals.push(type);
      },
    }).admin();
    await store.connect();
    try {
      // Its own group: allowed (nothing committed yet). The payment service's group: refused.
      await expect(store.fetchOffsets({ groupId: `${namespace}store`, topics: [`${namespace}order.events`] })).resolves.toHaveLength(1);
      await expect(store.fetchOffsets({ groupId: `${namespace}payment`, topics: [`${namespace}order.events`] })).rejects.toThrow(
        'Failed to find group coordinator',
      );
      expect(refusals).toContain('GROUP_AUTHORIZATION_FAILED');
      await expect(store.createTopics({ topics: [{ topic: `${namespace}store.private` }] })).rejects.toMatchObject({
        errors: [expect.objectContaining({ type: 'TOPIC_AUTHORIZATION_FAILED' })],
      });
    } finally {
      await store.disconnect();
    }
  });

  it('refuses a client without credentials', async () => {
    const anonymous = new Kafka({
      clientId: 'anonymous',
      brokers: testBrokers(),
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
      connectionTimeout: 3000,
    }).admin();
    await expect(anonymous.connect().then(() => anonymous.listTopics())).rejects.toThrow();
    await anonymous.disconnect();
  });

  it('lets several admins race to create the same topics: all succeed, every partition has a leader', async () => {
    const namespace = `${uniqueId('t')}.`;
    const names = ['order.events', 'store.events', 'delivery.events'];
    const racers = Array.from({ length: 6 }, (_, i) => testKafka({ clientId: `racer-${i}`, namespace }));
    conns.push(...racers);
    // Each racer asks for the three topics in its own order.
    await Promise.all(racers.map((c, i) => c.ensureTopics([...names.slice(i % 3), ...names.slice(0, i % 3)], 4)));
    const admin = racers[0]!.kafka.admin();
    await admin.connect();
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: names.map((n) => `${namespace}${n}`) });
      expect(topics.map((t) => [t.name, t.partitions.length, t.partitions.every((p) => p.leader >= 0)]).sort()).toEqual(
        names.map((n) => [`${namespace}${n}`, 4, true]).sort(),
      );
    } finally {
      await admin.disconnect();
    }
    // Asking again for topics that exist is a no-op, not an error.
    await expect(racers[0]!.ensureTopics(names, 4)).resolves.toBeUndefined();
  });
});
