import http from 'node:http';
import * as grpc from '@grpc/grpc-js';
import type { Role } from '@foodmesh/platform';
import type { EventEnvelope } from '@foodmesh/proto-gen/foodmesh/events/v1/envelope';
import {
  NotificationChannel,
  NotificationDeliveryStatus,
  NotificationServiceService,
  RecipientKind,
  type Notification,
} from '@foodmesh/proto-gen/foodmesh/notification/v1/notification';
import { eventually, orderSaga, serviceFixture, testIdentity, testNamespace } from '@foodmesh/testkit';
import { loadConfig } from '../src/config';
import { startNotificationService } from '../src/service';

const IN_APP = NotificationChannel.NOTIFICATION_CHANNEL_IN_APP;
const WEBHOOK = NotificationChannel.NOTIFICATION_CHANNEL_KAKAO_WEBHOOK;

/** A webhook on 127.0.0.1:0 that answers `statusFor(nth request of this Idempotency-Key)`. */
async function webhookServer(statusFor: (nth: number) => number) {
  const requests: { key: string; body: Record<string, unknown> }[] = [];
  const server = http.createServer((req, res) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      const key = String(req.headers['idempotency-key'] ?? '');
      requests.push({ key, body: JSON.parse(data) as Record<string, unknown> });
      res.statusCode = statusFor(requests.filter((r) => r.key === key).length);
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/kakao`, requests, close: () => new Promise((r) => server.close(r)) };
}

async function startNotifications(name: string, namespace: string, extra: Record<string, string>) {
  const f = await serviceFixture({ service: name, namespace, extra, start: (env, logger) => startNotificationService(loadConfig(env), { logger }) });
  const { service, pool: db } = f;
  const client = f.client(NotificationServiceService, 'edge'); // as the edge calls it
  const as = (userId: string, role: Role = 'customer') => testIdentity.asUser({ userId, role });
  const list = async (userId: string, role: Role = 'customer'): Promise<Notification[]> =>
    (await client.listNotifications({ recipientId: userId, page: { pageSize: 100, pageToken: '' } }, as(userId, role))).notifications;
  return {
    service,
    client,
    db,
    as,
    list,
    /** The notifications about one event for one user, waiting until `count` exist. */
    about: (userId: string, eventId: string, count: number, role: Role = 'customer') =>
      eventually(async () => {
        const got = (await list(userId, role)).filter((n) => n.eventId === eventId);
        if (got.length < count) throw new Error(`${userId}: ${got.length} notification(s) about ${eventId}, want ${count}`);
        return got;
      }),
    publish: (envs: EventEnvelope[]) => f.bus.publish(envs),
    close: f.close,
  };
}

describe('notification: one per event, recipient and channel; in-app stream and a retried webhook', () => {
  let namespace: string;
  let hook: Awaited<ReturnType<typeof webhookServer>>;
  let n: Awaited<ReturnType<typeof startNotifications>>;
  let publish: (envs: EventEnvelope[]) => Promise<void>;

  beforeAll(async () => {
    namespace = await testNamespace();
    hook = await webhookServer((nth) => (nth <= 3 ? 503 : 200)); // every notification: 3 failures, then accepted
    n = await startNotifications('notification', namespace, {
      NOTIFICATION_WEBHOOK_URL: hook.url,
      NOTIFICATION_WEBHOOK_BACKOFF_MS: '20',
      NOTIFICATION_WEBHOOK_MAX_ATTEMPTS: '6',
      NOTIFICATION_DISPATCH_POLL_MS: '200',
    });
    publish = n.publish;
  });
  afterAll(async () => {
    await n?.close();
    await hook?.close();
  });

  it('tells the customer of every status change, the owner of the new order and the riders of the region, in their language', async () => {
    const saga = orderSaga({ customerId: 'customer-2', storeId: 'store-gangnam-chicken', region: 'seoul-gangnam' });
    const events = saga.happyPath();
    await publish(events);
    const notifying = ['orderPlaced', 'orderAccepted', 'cookingStarted', 'cookingFinished', 'deliveryPickedUp', 'orderCompleted'];
    for (const e of events.filter((e) => notifying.includes(e.payload!.$case))) await n.about('customer-2', e.eventId, 2);
    // Events of different topics arrive in any order, and so do their notifications.
    const mine = (await n.list('customer-2')).filter((x) => x.orderId === saga.orderId && x.channel === IN_APP);
    expect(mine.map((x) => x.title).sort()).toEqual(['Cooking started', 'Delivered', 'Food ready', 'On the way', 'Order accepted', 'Order placed']);
    expect(mine.every((x) => x.locale === 'en' && x.recipientKind === RecipientKind.RECIPIENT_KIND_CUSTOMER)).toBe(true);

    const placed = events.find((e) => e.payload?.$case === 'orderPlaced')!;
    const [owner] = (await n.about('owner-1', placed.eventId, 2, 'owner')).filter((x) => x.channel === IN_APP);
    expect(owner).toMatchObject({
      recipientKind: RecipientKind.RECIPIENT_KIND_OWNER,
      locale: 'ko',
      title: '새 주문',
      body: '새 주문이 들어왔습니다: Fried Chicken ×2, Cola ×1 (₩38,000)',
    });

    const available = events.find((e) => e.payload?.$case === 'deliveryAvailable')!;
    for (const rider of ['rider-1', 'rider-2']) {
      const [r] = (await n.about(rider, available.eventId, 2, 'rider')).filter((x) => x.channel === IN_APP);
      expect(r).toMatchObject({ recipientKind: RecipientKind.RECIPIENT_KIND_RIDER, title: '새 배달' });
    }
    expect((await n.list('rider-3', 'rider')).filter((x) => x.eventId === available.eventId)).toEqual([]);
  });

  it('delivers a webhook notification once after the webhook fails 3 times: 4 requests with one Idempotency-Key', async () => {
    const saga = orderSaga({ customerId: 'customer-hook' });
    const cooking = saga.cookingStarted(); // one recipient, so one webhook notification
    await publish([cooking]);
    const delivered = await eventually(async () => {
      const [w] = (await n.list('customer-hook')).filter((x) => x.eventId === cooking.eventId && x.channel === WEBHOOK);
      expect(w?.deliveryStatus).toBe(NotificationDeliveryStatus.NOTIFICATION_DELIVERY_STATUS_DELIVERED);
      return w!;
    });
    expect(delivered.attempts).toBe(4);
    expect(delivered.deliveredAt).toBeInstanceOf(Date);
    const requests = hook.requests.filter((r) => r.body.order_id === saga.orderId);
    expect(requests.map((r) => r.key)).toEqual(Array(4).fill(delivered.notificationId));
    expect(requests[0]!.body).toMatchObject({ title: '조리 시작', recipient_id: 'customer-hook', event_type: 'foodmesh.events.v1.CookingStarted' });
    const { rows } = await n.db.query('SELECT attempt, delivered, http_status FROM notification_attempts WHERE notification_id = $1 ORDER BY attempt', [
      delivered.notificationId,
    ]);
    expect(rows).toEqual([
      { attempt: 1, delivered: false, http_status: 503 },
      { attempt: 2, delivered: false, http_status: 503 },
      { attempt: 3, delivered: false, http_status: 503 },
      { attempt: 4, delivered: true, http_status: 200 },
    ]);
  });

  it("tells a deferred order's customer in-app and by webhook that they can pay now, and that an unpaid order expired", async () => {
    const saga = orderSaga({ customerId: 'customer-2', start: new Date('2026-11-25T05:00:00Z') });
    const available = saga.paymentAvailable();
    const expired = saga.expired();
    await publish([saga.deferred(), available, expired]);
    const news = await n.about('customer-2', available.eventId, 2);
    expect(news.map((x) => x.channel).sort()).toEqual([IN_APP, WEBHOOK]);
    expect(news.find((x) => x.channel === IN_APP)).toMatchObject({
      title: 'You can pay now',
      body: 'Payment works again: pay for your order at Gangnam Fried Chicken (₩38,000) before 14:15.',
    });
    await eventually(() =>
      expect(
        hook.requests.filter((r) => r.body.event_type === 'foodmesh.events.v1.OrderPaymentAvailable' && r.body.order_id === saga.orderId).length,
      ).toBeGreaterThan(0),
    );
    const [gone] = (await n.about('customer-2', expired.eventId, 2)).filter((x) => x.channel === IN_APP);
    expect(gone).toMatchObject({ title: 'Order cancelled', body: 'Your order was not paid in time and was cancelled. Nothing was charged.' });
  });

  it('creates no second notification for a redelivered event, even once its inbox record is gone', async () => {
    const saga = orderSaga({ customerId: 'customer-dup' });
    const placed = saga.placed();
    await publish([placed]);
    await n.about('customer-dup', placed.eventId, 2);
    // Redelivery (the inbox skips it) and a replay the inbox no longer remembers (the UNIQUE row does);
    // the next event of the same order and topic shows when both have been handled.
    await publish([placed]);
    const first = saga.cancellationRequested();
    await publish([first]);
    await n.about('customer-dup', first.eventId, 2);
    await n.db.query("DELETE FROM inbox WHERE consumer = 'notification' AND event_id = $1", [placed.eventId]);
    const second = saga.cancelled(true);
    await publish([placed, second]);
    await n.about('customer-dup', second.eventId, 2);
    const about = (await n.list('customer-dup')).filter((x) => x.eventId === placed.eventId);
    expect(about.map((x) => x.channel).sort()).toEqual([IN_APP, WEBHOOK]);
    const { rows } = await n.db.query('SELECT count(*)::int AS n FROM notifications WHERE event_id = $1', [placed.eventId]);
    expect(rows[0].n).toBe(4); // customer + owner, on two channels
  });

  it('streams in-app notifications created after `since`, oldest first, then each new one', async () => {
    const saga = orderSaga({ customerId: 'customer-watch' });
    const placed = saga.placed();
    await publish([placed]);
    const [before] = (await n.about('customer-watch', placed.eventId, 2)).filter((x) => x.channel === IN_APP);
    const accepted = saga.accepted();
    await publish([accepted]);
    await n.about('customer-watch', accepted.eventId, 2);

    const abort = new AbortController();
    const stream = n.client
      .watchNotifications(
        { recipientId: 'customer-watch', since: new Date(before!.createdAt!.getTime() - 1) },
        { ...n.as('customer-watch'), signal: abort.signal },
      )
      [Symbol.asyncIterator]();
    const titles = async (k: number) => {
      const out: string[] = [];
      for (let i = 0; i < k; i++) out.push((await stream.next()).value.notification.title);
      return out;
    };
    expect(await titles(2)).toEqual(['주문이 접수되었습니다', '주문 수락']);
    await publish([saga.cookingStarted()]);
    expect(await titles(1)).toEqual(['조리 시작']);
    abort.abort();
    await expect(stream.next()).rejects.toMatchObject({ code: grpc.status.CANCELLED });
  });

  it("refuses another user's notifications", async () => {
    await expect(n.client.listNotifications({ recipientId: 'customer-1', page: undefined }, n.as('customer-2'))).rejects.toMatchObject({
      code: grpc.status.PERMISSION_DENIED,
    });
    await expect(n.client.listNotifications({ recipientId: 'customer-1', page: undefined })).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
  });

  it('keeps in-app notifications flowing while the webhook channel fails for good', async () => {
    const down = await webhookServer(() => 500);
    const other = await startNotifications('notification_down', namespace, {
      NOTIFICATION_WEBHOOK_URL: down.url,
      NOTIFICATION_WEBHOOK_BACKOFF_MS: '20',
      NOTIFICATION_WEBHOOK_MAX_ATTEMPTS: '3',
    });
    try {
      const saga = orderSaga({ customerId: 'customer-down' });
      const events = [saga.placed(), saga.accepted(), saga.cookingStarted(), saga.cookingFinished()];
      await publish(events);
      for (const e of events)
        expect((await other.about('customer-down', e.eventId, 2)).find((x) => x.channel === IN_APP)?.deliveryStatus).toBe(
          NotificationDeliveryStatus.NOTIFICATION_DELIVERY_STATUS_DELIVERED,
        );
      const failed = await eventually(async () => {
        const hooks = (await other.list('customer-down')).filter((x) => x.channel === WEBHOOK);
        expect(hooks.map((x) => x.deliveryStatus)).toEqual(Array(4).fill(NotificationDeliveryStatus.NOTIFICATION_DELIVERY_STATUS_FAILED));
        return hooks;
      });
      expect(failed.every((x) => x.attempts === 3)).toBe(true);
    } finally {
      await other.close();
      await down.close();
    }
  });
});
