import { Metadata, status } from '@grpc/grpc-js';
import { createLocalIdentity } from '@foodmesh/local-infra';
import { createGrpcClient, loadMeshPolicy } from '@foodmesh/platform';
import { DeliveryServiceService, DeliveryStatus } from '@foodmesh/proto-gen/foodmesh/delivery/v1/delivery';
import { eventually, uniqueId, rpcError, testIdentity } from '@foodmesh/testkit';
import { deliveryFixture, type DeliveryFixture } from './delivery-fixture';

const GANGNAM_STATION = { lat: 37.4979, lng: 127.0276 };
const YEOKSAM = { lat: 37.5006, lng: 127.0364 }; // ≈ 0.8 km from Gangnam station
const SAMSEONG = { lat: 37.5088, lng: 127.0631 }; // ≈ 3.4 km
const JAMSIL = { lat: 37.5133, lng: 127.1 }; // ≈ 6.6 km

describe('delivery service: the rider side of the saga on real PostgreSQL + Kafka', () => {
  let f: DeliveryFixture;
  beforeAll(async () => {
    f = await deliveryFixture();
  });
  afterAll(() => f?.close());

  it('refuses a call that carries no identity, or only headers anyone can set', async () => {
    const bare = createGrpcClient(DeliveryServiceService, {
      address: `127.0.0.1:${f.service.grpcPort}`,
      upstream: 'delivery',
      policy: loadMeshPolicy(),
      resilienceMode: 'local',
      caller: 'test',
    });
    const headers = (entries: Record<string, string>) => {
      const metadata = new Metadata();
      for (const [k, v] of Object.entries(entries)) metadata.set(k, v);
      return { metadata };
    };
    const stranger = createLocalIdentity(); // keys this service does not trust
    try {
      const attempts: Array<[string, Parameters<typeof bare.getRider>[1]]> = [
        ['nothing', undefined],
        // The headers identity once travelled in: plain text, so anyone could claim anyone.
        ['x-foodmesh-user-*', headers({ 'x-foodmesh-user-id': 'rider-1', 'x-foodmesh-user-role': 'rider' })],
        // Outside the mesh no sidecar vouches for this header: it is ignored.
        [
          'a forged mesh peer',
          headers({ 'x-forwarded-client-cert': 'By=spiffe://cluster.local/ns/foodmesh/sa/delivery;URI=spiffe://cluster.local/ns/foodmesh/sa/edge' }),
        ],
        ['a workload token of untrusted keys', stranger.asWorkload('edge')],
        ['a user token of untrusted keys', stranger.asUser({ userId: 'rider-1', role: 'rider' })],
      ];
      const outcomes = await Promise.all(attempts.map(async ([what, opts]) => [what, (await rpcError(bare.getRider({ riderId: 'rider-1' }, opts))).code]));
      expect(Object.fromEntries(outcomes)).toEqual(Object.fromEntries(attempts.map(([what]) => [what, status.UNAUTHENTICATED])));
      expect(await rpcError(bare.getRider({ riderId: 'rider-1' }))).toMatchObject({
        details: 'sign in first: this call needs an "authorization: Bearer <token>" header',
      });
      // The same call with a trusted identity goes through.
      await expect(bare.getRider({ riderId: 'rider-1' }, testIdentity.asWorkload('edge'))).resolves.toMatchObject({ rider: { riderId: 'rider-1' } });
    } finally {
      bare.close();
    }
  });

  it("serves the demo riders' profiles", async () => {
    await expect(f.client.getRider({ riderId: 'rider-3' })).resolves.toEqual({ rider: { riderId: 'rider-3', name: 'Park Jihoon', region: 'seoul-mapo' } });
  });

  it("makes cooked food one AVAILABLE delivery in the customer's region, listed nearest first within the radius", async () => {
    const region = uniqueId('region-');
    // Published oldest first: far, near, middle.
    const far = f.cookingFinished({ region, pickupAt: JAMSIL });
    const near = f.cookingFinished({ region, pickupAt: YEOKSAM });
    const middle = f.cookingFinished({ region, pickupAt: SAMSEONG });
    await f.bus.publish([far]);
    await f.bus.waitFor('deliveryAvailable', { orderId: far.orderId });
    await f.bus.publish([near]);
    await f.bus.waitFor('deliveryAvailable', { orderId: near.orderId });
    // A redelivered and a re-sent CookingFinished change nothing.
    await f.bus.publish([middle, middle, f.cookingFinished({ region, pickupAt: SAMSEONG, orderId: middle.orderId })]);
    const [available] = await f.bus.waitFor('deliveryAvailable', { orderId: middle.orderId });
    expect(available).toMatchObject({
      orderId: middle.orderId,
      storeId: 'store-gangnam-chicken',
      customerId: 'customer-1',
      region,
      pickup: { region, location: SAMSEONG, text: '서울 강남구 강남대로 396' },
      dropoff: { region, location: { lat: 37.5, lng: 127.03 }, text: '서울 강남구 테헤란로 152, 12층' },
    });
    await eventually(async () =>
      expect(await f.count("SELECT count(*) AS n FROM inbox WHERE event_type = 'foodmesh.events.v1.CookingFinished'")).toBeGreaterThanOrEqual(4),
    );
    expect(await f.count('SELECT count(*) AS n FROM deliveries WHERE order_id = $1', [middle.orderId])).toBe(1);

    const nearest = await f.client.listAvailableDeliveries({ region, near: GANGNAM_STATION, radiusM: 5000, page: undefined });
    expect(nearest.deliveries.map((d) => d.delivery?.orderId)).toEqual([near.orderId, middle.orderId]);
    const [d1, d2] = nearest.deliveries.map((d) => d.distanceM);
    expect(d1).toBeGreaterThan(700);
    expect(d1).toBeLessThan(900);
    expect(d2).toBeGreaterThan(3300);
    expect(d2).toBeLessThan(3500);
    expect(nearest.deliveries[0]!.delivery).toMatchObject({
      status: DeliveryStatus.DELIVERY_STATUS_AVAILABLE,
      storeName: 'Gangnam Fried Chicken',
      riderId: '',
    });

    const unlimited = await f.client.listAvailableDeliveries({ region, near: GANGNAM_STATION, radiusM: 0, page: undefined });
    expect(unlimited.deliveries.map((d) => d.delivery?.orderId)).toEqual([near.orderId, middle.orderId, far.orderId]);
    const oldestFirst = await f.client.listAvailableDeliveries({ region, near: undefined, radiusM: 0, page: { pageSize: 2, pageToken: '' } });
    expect(oldestFirst.deliveries.map((d) => [d.delivery?.orderId, d.distanceM])).toEqual([
      [far.orderId, 0],
      [near.orderId, 0],
    ]);
    const secondPage = await f.client.listAvailableDeliveries({
      region,
      near: undefined,
      radiusM: 0,
      page: { pageSize: 2, pageToken: oldestFirst.nextPageToken },
    });
    expect(secondPage).toEqual({
      deliveries: [expect.objectContaining({ delivery: expect.objectContaining({ orderId: middle.orderId }) })],
      nextPageToken: '',
    });
    await expect(f.client.listAvailableDeliveries({ region: 'seoul-elsewhere', near: GANGNAM_STATION, radiusM: 0, page: undefined })).resolves.toEqual({
      deliveries: [],
      nextPageToken: '',
    });
  });

  it('lets exactly one of 10 riders racing PickUp win; the others hear "already picked up by another rider"', async () => {
    const riders = Array.from({ length: 10 }, (_, i) => `racer-${i}-${uniqueId('')}`);
    const region = uniqueId('region-');
    await f.pool.query("INSERT INTO riders (rider_id, name, region) SELECT r, 'Racer ' || r, $2 FROM unnest($1::text[]) AS r", [riders, region]);
    const { orderId, deliveryId } = await f.cooked({ region, pickupAt: YEOKSAM });

    const results = await Promise.allSettled(riders.map((riderId) => f.client.pickUp({ deliveryId, riderId }, f.asRider(riderId))));
    const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [riders[i]!] : []));
    const losers = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason);
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(9);
    for (const err of losers) expect(err).toMatchObject({ code: status.FAILED_PRECONDITION, details: 'already picked up by another rider' });

    const winner = winners[0]!;
    const { delivery } = await f.client.getDelivery({ deliveryId });
    expect(delivery).toMatchObject({ status: DeliveryStatus.DELIVERY_STATUS_PICKED_UP, riderId: winner, pickedUpAt: expect.any(Date) });
    const [pickedUp] = await f.bus.waitFor('deliveryPickedUp', { orderId });
    expect(pickedUp).toEqual({ deliveryId, orderId, customerId: 'customer-1', riderId: winner, riderName: `Racer ${winner}` });
    expect(await f.count("SELECT count(*) AS n FROM outbox WHERE message_key = $1 AND event_type = 'foodmesh.events.v1.DeliveryPickedUp'", [orderId])).toBe(1);

    // The winner repeating the call gets it back unchanged; it has left the list and is the winner's.
    await expect(f.client.pickUp({ deliveryId, riderId: winner }, f.asRider(winner))).resolves.toMatchObject({
      delivery: { riderId: winner, pickedUpAt: delivery!.pickedUpAt },
    });
    expect((await f.client.listAvailableDeliveries({ region, near: undefined, radiusM: 0, page: undefined })).deliveries).toEqual([]);
    expect((await f.client.listMyDeliveries({ riderId: winner, page: undefined }, f.asRider(winner))).deliveries.map((d) => d.deliveryId)).toEqual([
      deliveryId,
    ]);
  });

  it('completes a picked-up delivery when the customer confirms it (OrderCompleted → DeliveryCompleted)', async () => {
    const { orderId, deliveryId } = await f.cooked({ region: 'seoul-gangnam', pickupAt: GANGNAM_STATION });
    await f.client.pickUp({ deliveryId, riderId: 'rider-1' }, f.asRider('rider-1'));
    await f.bus.publish([f.orderCompleted(orderId, 'rider-1', deliveryId)]);
    const [completed] = await f.bus.waitFor('deliveryCompleted', { orderId });
    expect(completed).toEqual({ deliveryId, orderId, customerId: 'customer-1', riderId: 'rider-1' });
    expect((await f.client.getDelivery({ deliveryId })).delivery).toMatchObject({
      status: DeliveryStatus.DELIVERY_STATUS_COMPLETED,
      completedAt: expect.any(Date),
    });
    expect(f.bus.kindsFor(orderId).filter((k) => k.startsWith('delivery'))).toEqual(['deliveryAvailable', 'deliveryPickedUp', 'deliveryCompleted']);
    expect(f.bus.events.filter((e) => e.orderId === orderId && e.producer === 'delivery').map((e) => e.aggregateVersion)).toEqual([1, 2, 3]);
  });

  it('puts a delivery its rider gives back on offer again in its region (DeliveryDeclined); only its rider may, and not once delivered', async () => {
    const region = 'seoul-gangnam';
    const { orderId, deliveryId } = await f.cooked({ region, pickupAt: YEOKSAM });
    await f.client.pickUp({ deliveryId, riderId: 'rider-1' }, f.asRider('rider-1'));
    await expect(f.client.declineDelivery({ deliveryId, riderId: 'rider-2', reason: '' }, f.asRider('rider-2'))).rejects.toMatchObject({
      code: status.PERMISSION_DENIED,
      details: "the delivery is rider rider-1's, not yours",
    });

    const { delivery } = await f.client.declineDelivery({ deliveryId, riderId: 'rider-1', reason: 'flat tyre' }, f.asRider('rider-1'));
    expect(delivery).toMatchObject({ status: DeliveryStatus.DELIVERY_STATUS_AVAILABLE, riderId: '', pickedUpAt: undefined });
    const [declined] = await f.bus.waitFor('deliveryDeclined', { orderId });
    expect(declined).toMatchObject({
      deliveryId,
      orderId,
      customerId: 'customer-1',
      storeId: 'store-gangnam-chicken',
      riderId: 'rider-1',
      region,
      reason: 'flat tyre',
      pickup: { region },
    });
    // Repeating it changes nothing; it is back in the region's list and out of the rider's own.
    await expect(f.client.declineDelivery({ deliveryId, riderId: 'rider-1', reason: 'flat tyre' }, f.asRider('rider-1'))).resolves.toMatchObject({
      delivery: { status: DeliveryStatus.DELIVERY_STATUS_AVAILABLE },
    });
    const listed = await f.client.listAvailableDeliveries({ region, near: GANGNAM_STATION, radiusM: 0, page: { pageSize: 100, pageToken: '' } });
    expect(listed.deliveries.map((d) => d.delivery?.deliveryId)).toContain(deliveryId);
    expect((await f.client.listMyDeliveries({ riderId: 'rider-1', page: undefined }, f.asRider('rider-1'))).deliveries.map((d) => d.deliveryId)).not.toContain(
      deliveryId,
    );

    // Another rider takes it and it is delivered; then it can be given back no more.
    await f.client.pickUp({ deliveryId, riderId: 'rider-2' }, f.asRider('rider-2'));
    await f.bus.publish([f.orderCompleted(orderId, 'rider-2', deliveryId)]);
    await f.bus.waitFor('deliveryCompleted', { orderId });
    await expect(f.client.declineDelivery({ deliveryId, riderId: 'rider-2', reason: '' }, f.asRider('rider-2'))).rejects.toMatchObject({
      code: status.FAILED_PRECONDITION,
      details: 'the delivery is already completed',
    });
    expect(f.bus.kindsFor(orderId).filter((k) => k.startsWith('delivery'))).toEqual([
      'deliveryAvailable',
      'deliveryPickedUp',
      'deliveryDeclined',
      'deliveryPickedUp',
      'deliveryCompleted',
    ]);
  });

  it('withdraws a delivery whose order is cancelled before pickup: it leaves the list (DeliveryWithdrawn)', async () => {
    const region = uniqueId('region-');
    const { orderId, deliveryId } = await f.cooked({ region, pickupAt: YEOKSAM });
    expect((await f.client.listAvailableDeliveries({ region, near: undefined, radiusM: 0, page: undefined })).deliveries).toHaveLength(1);
    await f.bus.publish([f.orderCancelled(orderId)]);
    const [withdrawn] = await f.bus.waitFor('deliveryWithdrawn', { orderId });
    expect(withdrawn).toEqual({ deliveryId, orderId, customerId: 'customer-1', reason: 'order cancelled: changed my mind' });
    expect((await f.client.listAvailableDeliveries({ region, near: undefined, radiusM: 0, page: undefined })).deliveries).toEqual([]);
    const riderId = uniqueId('rider-');
    await f.pool.query("INSERT INTO riders (rider_id, name, region) VALUES ($1, 'Late Rider', $2)", [riderId, region]);
    await expect(f.client.pickUp({ deliveryId, riderId }, f.asRider(riderId))).rejects.toMatchObject({
      code: status.FAILED_PRECONDITION,
      details: 'the delivery was withdrawn because its order was cancelled',
    });
  });

  describe('bad input gets the right code and message, and writes nothing', () => {
    let deliveryId: string;
    let outboxBefore: number;

    beforeAll(async () => {
      ({ deliveryId } = await f.cooked({ region: 'seoul-gangnam', pickupAt: YEOKSAM }));
      outboxBefore = await f.count('SELECT count(*) AS n FROM outbox');
    });

    afterAll(async () => {
      expect(await f.count('SELECT count(*) AS n FROM outbox')).toBe(outboxBefore);
      expect((await f.client.getDelivery({ deliveryId })).delivery).toMatchObject({ status: DeliveryStatus.DELIVERY_STATUS_AVAILABLE, riderId: '' });
    });

    const unknownId = '0190f5a4-0000-7000-8000-0000000000aa';
    const cases: Array<[string, () => Promise<unknown>, status, string | (() => string)]> = [
      ['an unknown delivery', () => f.client.getDelivery({ deliveryId: unknownId }), status.NOT_FOUND, `there is no delivery "${unknownId}"`],
      [
        'a delivery id that is not a UUID',
        () => f.client.pickUp({ deliveryId: 'nope', riderId: 'rider-1' }, f.asRider('rider-1')),
        status.NOT_FOUND,
        'there is no delivery "nope"',
      ],
      ['an unknown rider', () => f.client.pickUp({ deliveryId, riderId: 'rider-99' }, f.asRider('rider-99')), status.NOT_FOUND, 'there is no rider "rider-99"'],
      [
        "an unknown rider's list",
        () => f.client.listMyDeliveries({ riderId: 'rider-99', page: undefined }, f.asRider('rider-99')),
        status.NOT_FOUND,
        'there is no rider "rider-99"',
      ],
      ['an unknown rider profile', () => f.client.getRider({ riderId: 'rider-99' }), status.NOT_FOUND, 'there is no rider "rider-99"'],
      [
        'picking up as another rider',
        () => f.client.pickUp({ deliveryId, riderId: 'rider-2' }, f.asRider('rider-1')),
        status.PERMISSION_DENIED,
        'you are signed in as rider "rider-1", not "rider-2"',
      ],
      [
        'a rider of another region',
        () => f.client.pickUp({ deliveryId, riderId: 'rider-3' }, f.asRider('rider-3')),
        status.PERMISSION_DENIED,
        () => `delivery ${deliveryId} is in seoul-gangnam; rider rider-3 rides in seoul-mapo`,
      ],
      [
        'picking up as a customer',
        () => f.client.pickUp({ deliveryId, riderId: 'rider-1' }, testIdentity.asUser({ userId: 'customer-1', role: 'customer' })),
        status.PERMISSION_DENIED,
        'only a rider may do this; you are signed in as a customer',
      ],
      [
        'picking up with no user (a workload alone)',
        () => f.client.pickUp({ deliveryId, riderId: 'rider-1' }),
        status.UNAUTHENTICATED,
        'sign in first: this call needs an "authorization: Bearer <token>" header',
      ],
      [
        "another rider's list",
        () => f.client.listMyDeliveries({ riderId: 'rider-2', page: undefined }, f.asRider('rider-1')),
        status.PERMISSION_DENIED,
        'you are signed in as rider "rider-1", not "rider-2"',
      ],
      [
        'a negative radius',
        () => f.client.listAvailableDeliveries({ region: 'seoul-gangnam', near: GANGNAM_STATION, radiusM: -100, page: undefined }),
        status.INVALID_ARGUMENT,
        'radius_m must not be negative (0 means no limit)',
      ],
      [
        'a radius over 50 km',
        () => f.client.listAvailableDeliveries({ region: 'seoul-gangnam', near: GANGNAM_STATION, radiusM: 60_000, page: undefined }),
        status.INVALID_ARGUMENT,
        'radius_m must be at most 50000 (50 km)',
      ],
      [
        'no region',
        () => f.client.listAvailableDeliveries({ region: '', near: GANGNAM_STATION, radiusM: 1000, page: undefined }),
        status.INVALID_ARGUMENT,
        'region is required, for example "seoul-gangnam"',
      ],
      ['an empty rider id', () => f.client.pickUp({ deliveryId, riderId: ' ' }), status.INVALID_ARGUMENT, 'rider_id is required'],
    ];

    it.each(cases)('%s', async (_name, call, code, message) => {
      const err = await rpcError(call());
      expect(err.code).toBe(code);
      expect(err.details).toBe(typeof message === 'function' ? message() : message);
    });
  });
});
