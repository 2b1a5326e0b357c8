import { status } from '@grpc/grpc-js';
import { eventually } from '@foodmesh/testkit';
import { GANGNAM, storeFixture, type StoreFixture } from './store-fixture';

const RACES = 100;
const CONCURRENCY = 10;

/** Runs `fn` over `items` with at most `limit` in flight. */
async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!, i);
      }
    }),
  );
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('cancel vs StartCooking: the store is the single authority', () => {
  let f: StoreFixture;
  beforeAll(async () => {
    f = await storeFixture();
    await f.start();
  });
  afterAll(() => f?.close());

  it(`has exactly one winner in each of ${RACES} races: (cancelled, StoreOrderCancelled) or (cooking, CancellationRejected)`, async () => {
    const owner = f.asOwner('owner-1');
    const orderIds = await f.placeOrders(RACES);
    await mapLimit(orderIds, CONCURRENCY, (orderId) => f.client.acceptOrder({ storeId: GANGNAM, orderId, estimatedReadyMinutes: 15 }, owner));

    const results = await mapLimit(orderIds, CONCURRENCY, async (orderId, i) => {
      // The cancellation travels through Kafka, StartCooking is a direct call:
      // staggering the call spreads the runs over both orders of arrival.
      const cancel = f.bus.publish([f.cancellationRequested(orderId)]);
      await sleep((i % 10) * 25);
      const cooking = await f.client.startCooking({ storeId: GANGNAM, orderId }, owner).then(
        () => ({ ok: true as const }),
        (err) => ({ ok: false as const, code: err.code as number, details: err.details as string }),
      );
      await cancel;
      const events = await eventually(
        async () => {
          const e = await f.committedEvents(orderId);
          if (!e.includes('StoreOrderCancelled') && !e.includes('CancellationRejected')) throw new Error(`no answer to the cancellation of ${orderId} yet`);
          return e;
        },
        { intervalMs: 25 },
      );
      return { orderId, cooking, events, status: await f.statusOf(orderId) };
    });

    const cancelWon = results.filter((r) => r.status === 'CANCELLED');
    const cookingWon = results.filter((r) => r.status === 'COOKING');
    expect(cancelWon.length + cookingWon.length).toBe(RACES);
    for (const r of cancelWon) {
      expect(r.events).toEqual(['OrderAccepted', 'StoreOrderCancelled']);
      expect(r.cooking).toEqual({
        ok: false,
        code: status.FAILED_PRECONDITION,
        details: expect.stringMatching(/^the order is cancelled, so it cannot be started cooking/),
      });
    }
    for (const r of cookingWon) {
      expect(r.events).toEqual(['OrderAccepted', 'CookingStarted', 'CancellationRejected']);
      expect(r.cooking).toEqual({ ok: true });
    }
    // Both outcomes really happened, so the lock decided real races.
    expect(cancelWon.length).toBeGreaterThan(0);
    expect(cookingWon.length).toBeGreaterThan(0);

    // And the answers reached Kafka, one per order.
    const cancelled = await f.bus.waitFor('storeOrderCancelled', { count: cancelWon.length });
    const refused = await f.bus.waitFor('cancellationRejected', { count: cookingWon.length });
    expect(new Set(cancelled.filter((p) => orderIds.includes(p.orderId)).map((p) => p.orderId))).toEqual(new Set(cancelWon.map((r) => r.orderId)));
    expect(new Set(refused.filter((p) => orderIds.includes(p.orderId)).map((p) => p.orderId))).toEqual(new Set(cookingWon.map((r) => r.orderId)));
  });
});
