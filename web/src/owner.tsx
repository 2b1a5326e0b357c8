import { useState } from 'preact/hooks';
import { api } from './api';
import { dateTime, money, STORE_ORDER_STATUS } from './format';
import { StoreOrderStatus, type StoreOrder } from './gen/foodmesh/store/v1/store_pb.js';
import type { User } from './gen/foodmesh/edge/v1/auth_pb.js';
import { useOnNotification } from './notifications';
import { Card, Empty, ErrorBox, Spinner, useAction, useLoad } from './ui';

const S = StoreOrderStatus;
const SECTIONS: Array<{ title: string; statuses: StoreOrderStatus[]; empty: string }> = [
  { title: 'New orders', statuses: [S.REQUESTED], empty: 'No new orders right now. They appear here the moment they are paid.' },
  { title: 'In the kitchen', statuses: [S.ACCEPTED, S.COOKING], empty: 'Nothing cooking.' },
  { title: 'Waiting for a rider', statuses: [S.COOKED], empty: 'Nothing waiting for pickup.' },
  { title: 'Closed', statuses: [S.REJECTED, S.CANCELLED], empty: 'No rejected or cancelled orders.' },
];

/** The store owner's live board: notifications trigger a refresh of the store's orders. */
export function OwnerApp({ user }: { user: User }) {
  const { data, error, loading, reload } = useLoad((signal) => api.owner.listStoreOrders({ page: { pageSize: 100 } }, { signal }), []);
  useOnNotification(() => reload());

  return (
    <div data-testid="screen-owner">
      <div class="row">
        <h1 class="grow">Your store's orders</h1>
        <button class="btn btn-small btn-ghost" onClick={reload} disabled={loading}>
          {loading ? 'Refreshing…' : '↻ Refresh'}
        </button>
      </div>
      <p class="muted small">{user.storeId} · new orders arrive live</p>
      {error && <ErrorBox error={error} retry={reload} />}
      {loading && !data && <Spinner label="Loading orders…" />}
      {data &&
        SECTIONS.map((section) => {
          const orders = data.storeOrders.filter((o) => section.statuses.includes(o.status));
          if (section.statuses.includes(S.REJECTED) && orders.length === 0) return null;
          return (
            <section key={section.title} class="section">
              <h2>
                {section.title} <span class="count">{orders.length}</span>
              </h2>
              {orders.length === 0 ? (
                <p class="muted small">{section.empty}</p>
              ) : (
                <div class="list">
                  {orders.map((o) => (
                    <StoreOrderCard key={o.orderId} order={o} changed={reload} />
                  ))}
                </div>
              )}
            </section>
          );
        })}
      {data && data.storeOrders.length === 0 && <Empty icon="🍳">No orders yet today.</Empty>}
    </div>
  );
}

function StoreOrderCard({ order, changed }: { order: StoreOrder; changed: () => void }) {
  const action = useAction();
  const [minutes, setMinutes] = useState(15);
  const [rejecting, setRejecting] = useState(false);
  const [reason, setReason] = useState('Sold out for today');
  const id = order.orderId;
  const act = (fn: () => Promise<unknown>) => action.run(fn).then(changed);

  return (
    <Card class="store-order" testid="store-order">
      <div class="row">
        <strong class="grow">Order #{id.slice(-6)}</strong>
        <span class={`pill so-${order.status}`}>{STORE_ORDER_STATUS[order.status]}</span>
      </div>
      <ul class="lines compact">
        {order.items.map((i) => (
          <li key={i.menuItemId}>
            <span class="grow">
              {i.quantity} × {i.name}
            </span>
          </li>
        ))}
      </ul>
      <div class="muted small">
        {money(order.total)} · received {dateTime(order.createdAt)}
        {order.estimatedReadyMinutes > 0 && order.status === S.ACCEPTED && <> · ready in {order.estimatedReadyMinutes} min</>}
        {order.reason && <> · “{order.reason}”</>}
      </div>
      {action.error && <ErrorBox error={action.error} />}
      <div class="actions">
        {order.status === S.REQUESTED && !rejecting && (
          <>
            <label class="inline">
              Ready in
              <select value={minutes} onChange={(e) => setMinutes(Number((e.target as HTMLSelectElement).value))}>
                {[10, 15, 20, 30, 45].map((m) => (
                  <option key={m} value={m}>
                    {m} min
                  </option>
                ))}
              </select>
            </label>
            <button
              class="btn btn-small"
              disabled={action.busy}
              onClick={() => act(() => api.owner.acceptOrder({ orderId: id, estimatedReadyMinutes: minutes }))}
            >
              Accept
            </button>
            <button class="btn btn-small btn-ghost" disabled={action.busy} onClick={() => setRejecting(true)}>
              Reject
            </button>
          </>
        )}
        {order.status === S.REQUESTED && rejecting && (
          <div class="confirm">
            <input aria-label="Reason" value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} />
            <button
              class="btn btn-small btn-danger"
              disabled={action.busy || !reason.trim()}
              onClick={() => act(() => api.owner.rejectOrder({ orderId: id, reason: reason.trim() }))}
            >
              Reject order
            </button>
            <button class="btn btn-small btn-ghost" onClick={() => setRejecting(false)}>
              Back
            </button>
          </div>
        )}
        {order.status === S.ACCEPTED && (
          <button class="btn btn-small" disabled={action.busy} onClick={() => act(() => api.owner.startCooking({ orderId: id }))}>
            Start cooking
          </button>
        )}
        {order.status === S.COOKING && (
          <button class="btn btn-small" disabled={action.busy} onClick={() => act(() => api.owner.finishCooking({ orderId: id }))}>
            Finish cooking
          </button>
        )}
      </div>
    </Card>
  );
}
