import { randomUUID } from 'node:crypto';
import { status as grpcStatus } from '@grpc/grpc-js';
import type { Consumer } from 'kafkajs';
import type { StackHandle } from '@foodmesh/local-infra';
import {
  connectKafka,
  createGrpcClient,
  createLogger,
  decodeEnvelope,
  loadMeshPolicy,
  topicOfEvent,
  topicsCarrying,
  type EventCase,
  type KafkaConnection,
} from '@foodmesh/platform';
import { OrderStatus } from '@foodmesh/proto-gen/foodmesh/common/v1/order_status';
import { PaymentMethod } from '@foodmesh/proto-gen/foodmesh/common/v1/payment_method';
import { CustomerServiceService } from '@foodmesh/proto-gen/foodmesh/edge/v1/customer';
import { OwnerServiceService } from '@foodmesh/proto-gen/foodmesh/edge/v1/owner';
import { RiderServiceService } from '@foodmesh/proto-gen/foodmesh/edge/v1/rider';
import type { EventEnvelope } from '@foodmesh/proto-gen/foodmesh/events/v1/envelope';
import { PaymentOutcome } from '@foodmesh/proto-gen/foodmesh/order/v1/order';
import { seededRandom } from '@foodmesh/testkit';
import { watchApplied, type AppliedWatch } from './applied-watch';
import { edgeCallMetadata, type SignedInUser } from './credentials';
import { backoffMs, choosePlan, planDraw, stateWaitMs, thinkTime, verdict, type CrewSettings, type Plan } from './crew-plan';

/** Where an event's record sits in its topic. */
interface RecordAt {
  partition: number;
  offset: number;
}

export type FinalState = 'COMPLETED' | 'REJECTED' | 'CANCELLED' | 'PAYMENT_FAILED';

interface Saga {
  orderId: string;
  customerId: string;
  storeId: string;
  plan: Plan;
  /** occurred_at of its first event (placed, or deferred), epoch ms. */
  startedAt: number;
  final?: FinalState;
  /** Steps already under way (events can arrive twice). */
  steps: Set<string>;
  deferred: boolean;
  payLaterPending: boolean;
}

export interface CrewStats {
  /** When the crew started, epoch ms (finishedPerSecond counts from here). */
  startedAt: number;
  sagas: { seen: number; final: Record<FinalState, number>; unfinished: number };
  /** Milliseconds from an order's first event to its final one. */
  endToEndMs: number[];
  /** Per second since the crew started: sagas that reached a final state. */
  finishedPerSecond: number[];
  /** action → outcome (ok, retried, raced, failed) → count. */
  actions: Record<string, Record<string, number>>;
  /** The first failures, with their reason. */
  failures: string[];
  failureCount: number;
  deferred: number;
  paidLater: number;
}

export interface Crew {
  stats(): CrewStats;
  /** The sagas it has seen that are not final yet. */
  unfinished(): Array<{ orderId: string; plan: Plan; steps: string[] }>;
  stop(): Promise<void>;
}

/**
 * How long a crew call keeps retrying a busy or lagging stack: longer than a consumer group's
 * rebalance after a member dies (the broker's 30 s session timeout), during which the service that
 * must know of an order has not consumed its event yet.
 */
const RETRY_FOR_MS = 60_000;
/**
 * How long an owner waits for the store service to have applied a new order, and a customer for
 * the order service to have applied the pickup, before acting anyway (then the stack's "not yet"
 * is retried as for any state it is behind on): as long as a consumer group's rebalance after a
 * member dies (the broker's 30 s session timeout), during which the group commits nothing. And how
 * often the crew reads the groups' committed offsets.
 */
const APPLIED_WAIT_MS = 30_000;
const APPLIED_POLL_MS = 200;

/** The topics whose events tell the crew what to do (the apps learn the same from notifications). */
/** The events the crew reacts to (onEvent); it follows the topics that carry them. */
const REACTS_TO = [
  'orderPlaced',
  'orderPaymentDeferred',
  'deliveryAvailable',
  'deliveryPickedUp',
  'orderCompleted',
  'orderCancelled',
  'orderPaymentFailed',
  'orderRefunded',
] as const satisfies readonly EventCase[];
const TOPICS = topicsCarrying(REACTS_TO);

/**
 * Store owners, riders and customers played by one process while ghz places orders. It learns
 * of work from the saga's events (its own consumer group, from the topics' ends when it starts:
 * the events the apps' notifications are made of, without the notification service's per-user
 * fan-out) and acts only through the edge's public API with each user's token, as the apps do:
 * owners accept (or reject a share), start and finish cooking; riders of the region pick up;
 * customers confirm delivery, cancel a share (racing the start of cooking), and pay deferred
 * orders again later.
 */
export async function startCrew(opts: {
  edgeAddress: string;
  users: Map<string, SignedInUser>;
  kafka: StackHandle['kafka'];
  settings: CrewSettings;
  seed?: number;
}): Promise<Crew> {
  const { settings } = opts;
  const started = Date.now();
  const random = seededRandom(opts.seed ?? 1);
  const policy = loadMeshPolicy();
  // mesh mode: no client retries or breaker, the crew retries itself and counts what happened.
  const edge = <D extends Parameters<typeof createGrpcClient>[0]>(def: D) =>
    createGrpcClient(def, { address: opts.edgeAddress, upstream: 'edge', policy, resilienceMode: 'mesh', caller: 'loadtest-crew' });
  const customer = edge(CustomerServiceService);
  const owner = edge(OwnerServiceService);
  const rider = edge(RiderServiceService);
  const as = (user: SignedInUser) => ({ metadata: edgeCallMetadata(user) });

  const users = [...opts.users.values()];
  const ownerOf = new Map(users.filter((u) => u.role === 'owner' && u.storeId).map((u) => [u.storeId!, u]));
  const ridersOf = new Map<string, SignedInUser[]>();
  for (const u of users.filter((x) => x.role === 'rider' && x.region)) ridersOf.set(u.region!, [...(ridersOf.get(u.region!) ?? []), u]);
  let riderTurn = 0;

  const sagas = new Map<string, Saga>();
  const stats: CrewStats = {
    startedAt: started,
    sagas: { seen: 0, final: { COMPLETED: 0, REJECTED: 0, CANCELLED: 0, PAYMENT_FAILED: 0 }, unfinished: 0 },
    endToEndMs: [],
    finishedPerSecond: [],
    actions: {},
    failures: [],
    failureCount: 0,
    deferred: 0,
    paidLater: 0,
  };
  const count = (action: string, outcome: string) => {
    const a = (stats.actions[action] ??= {});
    a[outcome] = (a[outcome] ?? 0) + 1;
  };
  const fail = (line: string) => {
    stats.failureCount++;
    if (stats.failures.length < 50) stats.failures.push(line);
  };

  // At most maxInFlight crew calls; the rest wait their turn (a finished call hands its slot on).
  let inFlight = 0;
  const waiting: Array<() => void> = [];
  const slot = async () => {
    if (inFlight < settings.maxInFlight) inFlight++;
    else await new Promise<void>((r) => waiting.push(r));
  };
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else inFlight--;
  };

  let stopped = false;
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => Promise<unknown>) => {
    if (stopped) return;
    const t = setTimeout(() => {
      timers.delete(t);
      if (!stopped) void fn();
    }, ms);
    timers.add(t);
  };
  const think = (mean: number) => thinkTime(mean, random());

  /** One call of the crew: retried while the stack is busy or behind; the outcome is counted. */
  async function act<T>(action: string, saga: Saga, call: () => Promise<T>, opts: { waitsForState?: boolean } = {}): Promise<T | undefined> {
    const giveUpAt = Date.now() + RETRY_FOR_MS;
    for (let attempt = 1; ; attempt++) {
      if (stopped) return undefined;
      await slot();
      try {
        const result = await call();
        count(action, attempt > 1 ? 'retried' : 'ok');
        return result;
      } catch (err) {
        const e = err as { code?: number; details?: string; message: string };
        const v = e.code === undefined ? 'failed' : verdict(e.code, opts);
        if (v === 'retry' && Date.now() < giveUpAt) {
          // Behind on state: look again after a moment. Busy (UNAVAILABLE, deadline): back off fast, then slower.
          const waitsForState = opts.waitsForState && e.code === grpcStatus.FAILED_PRECONDITION;
          await new Promise((r) => setTimeout(r, waitsForState ? stateWaitMs(attempt) : backoffMs(attempt)));
          continue;
        }
        count(action, v === 'raced' ? 'raced' : 'failed');
        if (v !== 'raced') fail(`${action} ${saga.orderId} (${saga.plan}): ${e.code === undefined ? '' : `${grpcStatus[e.code]} `}${e.details ?? e.message}`);
        return undefined;
      } finally {
        release();
      }
    }
  }
  const once = (saga: Saga, step: string) => {
    if (saga.steps.has(step)) return false;
    saga.steps.add(step);
    return true;
  };

  const track = (env: EventEnvelope, customerId: string, storeId: string): Saga => {
    let saga = sagas.get(env.orderId);
    if (!saga) {
      saga = {
        orderId: env.orderId,
        customerId,
        storeId,
        plan: choosePlan(settings, planDraw(sagas.size + 1)),
        startedAt: env.occurredAt?.getTime() ?? Date.now(),
        steps: new Set(),
        deferred: false,
        payLaterPending: false,
      };
      sagas.set(env.orderId, saga);
      stats.sagas.seen++;
    }
    return saga;
  };

  const finish = (env: EventEnvelope, final: FinalState) => {
    const saga = sagas.get(env.orderId);
    if (!saga || saga.final) return;
    saga.final = final;
    stats.sagas.final[final]++;
    const at = env.occurredAt?.getTime() ?? Date.now();
    stats.endToEndMs.push(Math.max(0, at - saga.startedAt));
    const second = Math.max(0, Math.floor((Date.now() - started) / 1000));
    while (stats.finishedPerSecond.length <= second) stats.finishedPerSecond.push(0);
    stats.finishedPerSecond[second]!++;
  };

  const customerOf = (saga: Saga) => opts.users.get(saga.customerId);

  // The owner of the order's store decides, then cooks; a `cancel` customer races the cooking.
  const ownerDecides = async (saga: Saga) => {
    const me = ownerOf.get(saga.storeId);
    if (!me) return fail(`no owner signed in for ${saga.storeId} (order ${saga.orderId})`);
    if (saga.plan === 'reject') {
      await act('reject', saga, () => owner.rejectOrder({ orderId: saga.orderId, reason: 'sold out (load test)' }, as(me)));
      return;
    }
    const accepted = await act('accept', saga, () => owner.acceptOrder({ orderId: saga.orderId, estimatedReadyMinutes: 15 }, as(me)));
    if (!accepted) return;
    const cookAfter = think(settings.thinkMs.cook);
    if (saga.plan === 'cancel') later(think(settings.thinkMs.cook), () => customerCancels(saga));
    later(cookAfter, async () => {
      const cooking = await act('startCooking', saga, () => owner.startCooking({ orderId: saga.orderId }, as(me)));
      if (cooking) later(think(settings.thinkMs.cook), () => act('finishCooking', saga, () => owner.finishCooking({ orderId: saga.orderId }, as(me))));
    });
  };

  const customerCancels = async (saga: Saga) => {
    const me = customerOf(saga);
    if (!me) return;
    await act('cancel', saga, () => customer.cancelOrder({ orderId: saga.orderId, reason: 'changed my mind (load test)' }, as(me)));
  };

  const payLater = async (saga: Saga) => {
    const me = customerOf(saga);
    if (!me || saga.final) return;
    saga.payLaterPending = true;
    const res = await act('payLater', saga, () =>
      customer.payOrder({ orderId: saga.orderId, idempotencyKey: randomUUID(), paymentMethod: PaymentMethod.PAYMENT_METHOD_UNSPECIFIED }, as(me)),
    );
    saga.payLaterPending = false;
    if (res?.paymentOutcome === PaymentOutcome.PAYMENT_OUTCOME_PAID) stats.paidLater++;
    else if (res?.paymentOutcome === PaymentOutcome.PAYMENT_OUTCOME_DEFERRED) schedulePayLater(saga, res.retryAfterSeconds);
  };
  const schedulePayLater = (saga: Saga, retryAfterSeconds: number) => {
    if (saga.payLaterPending) return;
    saga.payLaterPending = true;
    // No sooner than the reply asks (paying sooner only adds to the overload that deferred it), and
    // spread up to twice that: orders deferred together must not all come back in the same second.
    later(Math.max(retryAfterSeconds * 1000, think(settings.thinkMs.payLater)) * (1 + random()), () => payLater(saga));
  };

  const riderPicksUp = async (saga: Saga, deliveryId: string, region: string) => {
    const riders = ridersOf.get(region);
    if (!riders?.length) return fail(`no rider signed in for region ${region} (order ${saga.orderId})`);
    const me = riders[riderTurn++ % riders.length]!;
    await act('pickUp', saga, () => rider.pickUp({ deliveryId }, as(me)));
  };

  // A step waits until the service that must know of the event before it has applied it (its
  // consumer group has committed past the event's record; until then the stack answers "not yet"):
  // an owner's app lists the store's orders, a customer confirms a pickup the order service knows.
  // Past APPLIED_WAIT_MS the step goes anyway and retries as for any state the stack is behind on.
  const onceApplied = async (watch: AppliedWatch, at: RecordAt, counter: string, thinkMs: number, step: () => Promise<unknown>) => {
    const applied = await watch.applied(at.partition, at.offset);
    count(counter, applied ? 'seen' : 'waited out');
    later(think(thinkMs), step);
  };

  const customerConfirms = async (saga: Saga) => {
    const me = customerOf(saga);
    if (me) await act('confirmDelivered', saga, () => customer.confirmDelivered({ orderId: saga.orderId }, as(me)), { waitsForState: true });
  };

  const onEvent = (env: EventEnvelope, at: RecordAt) => {
    const p = env.payload;
    if (!p) return;
    switch (p.$case) {
      case 'orderPlaced': {
        const saga = track(env, p.value.customerId, p.value.storeId);
        if (once(saga, 'owner')) void onceApplied(storeApplied, at, 'orderApplied', settings.thinkMs.owner, () => ownerDecides(saga));
        return;
      }
      case 'orderPaymentDeferred': {
        const saga = track(env, p.value.customerId, p.value.storeId);
        if (!saga.deferred) {
          saga.deferred = true;
          stats.deferred++;
        }
        schedulePayLater(saga, p.value.retryAfterSeconds);
        return;
      }
      case 'deliveryAvailable': {
        const saga = sagas.get(env.orderId);
        if (saga && once(saga, 'rider')) later(think(settings.thinkMs.rider), () => riderPicksUp(saga, p.value.deliveryId, p.value.region));
        return;
      }
      case 'deliveryPickedUp': {
        const saga = sagas.get(env.orderId);
        if (saga && once(saga, 'confirm')) void onceApplied(orderApplied, at, 'pickupApplied', settings.thinkMs.customer, () => customerConfirms(saga));
        return;
      }
      case 'orderCompleted':
        return finish(env, 'COMPLETED');
      case 'orderCancelled':
        return finish(env, 'CANCELLED');
      case 'orderPaymentFailed':
        return finish(env, 'PAYMENT_FAILED');
      case 'orderRefunded':
        if (p.value.finalStatus === OrderStatus.ORDER_STATUS_REJECTED) finish(env, 'REJECTED');
        return;
      default:
        return;
    }
  };

  // The stack's own Kafka settings, whole: the crew connects as its services do.
  const kafka: KafkaConnection = connectKafka({ ...opts.kafka, clientId: 'loadtest-crew', logger: createLogger({ service: 'loadtest-crew', level: 'error' }) });
  const groupId = `loadtest-crew-${randomUUID().slice(0, 8)}`;
  let consumer: Consumer;
  const admin = kafka.kafka.admin();
  let orderApplied: AppliedWatch;
  let storeApplied: AppliedWatch;
  try {
    await admin.connect();
    const appliedBy = (group: string, event: EventCase) =>
      watchApplied({ admin, groupId: kafka.topic(group), topic: kafka.topic(topicOfEvent(event)), pollMs: APPLIED_POLL_MS, timeoutMs: APPLIED_WAIT_MS });
    orderApplied = appliedBy('order', 'deliveryPickedUp');
    storeApplied = appliedBy('store', 'orderPlaced');
    await startAtTheEnd(kafka, groupId);
    consumer = kafka.createConsumer(groupId);
    await consumer.connect();
    await consumer.subscribe({ topics: TOPICS.map((t) => kafka.topic(t)) });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        if (!message.value) return;
        try {
          onEvent(decodeEnvelope(message.value), { partition, offset: Number(message.offset) });
        } catch (err) {
          fail(`event ${topic}[${partition}]@${message.offset} not understood: ${(err as Error).message}`);
        }
      },
    });
  } catch (err) {
    await admin.disconnect();
    await kafka.close();
    for (const c of [customer, owner, rider]) c.close();
    throw err;
  }

  const open = () => [...sagas.values()].filter((s) => !s.final);
  return {
    stats: () => ({ ...stats, sagas: { ...stats.sagas, unfinished: open().length } }),
    unfinished: () => open().map((s) => ({ orderId: s.orderId, plan: s.plan, steps: [...s.steps] })),
    async stop() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      for (const w of waiting.splice(0)) w();
      orderApplied.stop();
      storeApplied.stop();
      await consumer.disconnect().catch(() => undefined);
      await admin.deleteGroups([kafka.topic(groupId)]).catch(() => undefined);
      await admin.disconnect();
      await kafka.close();
      for (const c of [customer, owner, rider]) c.close();
    },
  };
}

/**
 * Commits the new group's offsets at the topics' current ends before it joins, so the crew sees
 * every event from now on (a group left to `latest` would only resolve its position at its first
 * fetch, after the load may have started) and none of the stack's history.
 */
async function startAtTheEnd(kafka: KafkaConnection, groupId: string): Promise<void> {
  const admin = kafka.kafka.admin();
  await admin.connect();
  try {
    const existing = await admin.listTopics();
    for (const t of TOPICS.map((x) => kafka.topic(x))) {
      if (!existing.includes(t)) throw new Error(`topic ${t} does not exist: is the stack running (and is its Kafka namespace right)?`);
      const ends = await admin.fetchTopicOffsets(t);
      await admin.setOffsets({ groupId: kafka.topic(groupId), topic: t, partitions: ends.map((e) => ({ partition: e.partition, offset: e.high })) });
    }
  } finally {
    await admin.disconnect();
  }
}
