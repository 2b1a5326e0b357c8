import { api } from './api';
import { DELIVERY_STATUS, regionLabel, REGIONS, time } from './format';
import { DeliveryStatus, type Delivery } from './gen/foodmesh/delivery/v1/delivery_pb.js';
import type { User } from './gen/foodmesh/edge/v1/auth_pb.js';
import { useOnNotification } from './notifications';
import { Card, Empty, ErrorBox, Spinner, useAction, useLoad } from './ui';

/** The rider's screen: deliveries waiting near them (their region), and their own. */
export function RiderApp({ user }: { user: User }) {
  const here = REGIONS[user.region];
  const available = useLoad(
    (signal) =>
      api.rider.listAvailableDeliveries({ near: here ? { lat: here.lat, lng: here.lng } : undefined, radiusM: 0, page: { pageSize: 50 } }, { signal }),
    [user.region],
  );
  const mine = useLoad((signal) => api.rider.listMyDeliveries({ page: { pageSize: 30 } }, { signal }), []);
  const refresh = () => {
    available.reload();
    mine.reload();
  };
  useOnNotification(refresh);
  const action = useAction();

  return (
    <div data-testid="screen-rider">
      <div class="row">
        <h1 class="grow">Deliveries near you</h1>
        <button class="btn btn-small btn-ghost" onClick={refresh} disabled={available.loading}>
          {available.loading ? 'Refreshing…' : '↻ Refresh'}
        </button>
      </div>
      <p class="muted small">📍 {regionLabel(user.region)} · new ones arrive live</p>
      {available.error && <ErrorBox error={available.error} retry={available.reload} />}
      {action.error && <ErrorBox error={action.error} />}
      {available.loading && !available.data && <Spinner label="Looking for deliveries…" />}
      {available.data && available.data.deliveries.length === 0 && <Empty icon="🛵">No deliveries waiting right now. We'll ping you when food is ready.</Empty>}
      <div class="list">
        {available.data?.deliveries.map(({ delivery: d, distanceM }) =>
          d ? (
            <Card key={d.deliveryId} class="delivery" testid="available-delivery">
              <DeliveryBody d={d} />
              <div class="row">
                <span class="muted small grow">{distanceM > 0 ? `${(distanceM / 1000).toFixed(1)} km away` : ''}</span>
                <button
                  class="btn btn-small"
                  disabled={action.busy}
                  onClick={() => action.run(() => api.rider.pickUp({ deliveryId: d.deliveryId })).then(refresh)}
                >
                  Pick up
                </button>
              </div>
            </Card>
          ) : null,
        )}
      </div>

      <h2>My deliveries</h2>
      {mine.error && <ErrorBox error={mine.error} retry={mine.reload} />}
      {mine.loading && !mine.data && <Spinner />}
      {mine.data && mine.data.deliveries.length === 0 && <p class="muted small">You have not picked anything up yet.</p>}
      <div class="list">
        {mine.data?.deliveries.map((d) => (
          <Card key={d.deliveryId} class="delivery" testid="my-delivery">
            <DeliveryBody d={d} />
            {d.status === DeliveryStatus.PICKED_UP && (
              <div class="row">
                <span class="grow" />
                <button
                  class="btn btn-small btn-ghost"
                  disabled={action.busy}
                  onClick={() => action.run(() => api.rider.declineDelivery({ deliveryId: d.deliveryId, reason: '' })).then(refresh)}
                >
                  Give back
                </button>
              </div>
            )}
          </Card>
        ))}
      </div>
    </div>
  );
}

function DeliveryBody({ d }: { d: Delivery }) {
  return (
    <>
      <div class="row">
        <strong class="grow">{d.storeName}</strong>
        <span class={`pill ds-${d.status}`}>{DELIVERY_STATUS[d.status]}</span>
      </div>
      <div class="route">
        <div>
          <span class="muted small">From</span> {d.pickup?.text}
        </div>
        <div>
          <span class="muted small">To</span> {d.dropoff?.text}
        </div>
      </div>
      <div class="muted small">
        Order #{d.orderId.slice(-6)}
        {d.status === DeliveryStatus.PICKED_UP && d.pickedUpAt && <> · picked up {time(d.pickedUpAt)}</>}
        {d.status === DeliveryStatus.COMPLETED && d.completedAt && <> · delivered {time(d.completedAt)}</>}
      </div>
    </>
  );
}
