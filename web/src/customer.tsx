import { useMemo, useState } from 'preact/hooks';
import { api, STREAM } from './api';
import { renderMessage } from '@foodmesh/platform/customer-text';
import { isCancellable } from '@foodmesh/platform/order-lifecycle';
import { money, ORDER_STATUS, dateTime, REGIONS, regionLabel, time, uuid, won } from './format';
import type { MenuItem } from './gen/foodmesh/common/v1/menu_item_pb.js';
import { OrderStatus } from './gen/foodmesh/common/v1/order_status_pb.js';
import { PaymentMethod } from './gen/foodmesh/common/v1/payment_method_pb.js';
import { PaymentOutcome } from './gen/foodmesh/order/v1/order_pb.js';
import type { OrderStatusView } from './gen/foodmesh/orderview/v1/orderview_pb.js';
import { PaymentStatus, type Payment as PaymentRecord } from './gen/foodmesh/payment/v1/payment_pb.js';
import type { User } from './gen/foodmesh/edge/v1/auth_pb.js';
import { Card, Empty, ErrorBox, LiveDot, Spinner, useAction, useLoad, useStream } from './ui';

type Line = { item: MenuItem; qty: number };
type Cart = { storeId: string; storeName: string; lines: Line[] };
type Payment = { outcome: PaymentOutcome; message: string; retryAfter: number };
type Screen =
  { name: 'stores' } | { name: 'menu'; storeId: string } | { name: 'cart' } | { name: 'order'; orderId: string; payment?: Payment } | { name: 'orders' };

const cartTotal = (c: Cart) => c.lines.reduce((sum, l) => sum + Number(l.item.price?.units ?? 0n) * l.qty, 0);
const cartCount = (c: Cart) => c.lines.reduce((n, l) => n + l.qty, 0);

export function CustomerApp({ user }: { user: User }) {
  const [screen, setScreen] = useState<Screen>({ name: 'stores' });
  const [region, setRegion] = useState('seoul-gangnam');
  const [cart, setCart] = useState<Cart | undefined>(undefined);

  const setQty = (storeId: string, storeName: string, item: MenuItem, qty: number) => {
    setCart((c) => {
      const base = c && c.storeId === storeId ? c : { storeId, storeName, lines: [] };
      const known = base.lines.some((l) => l.item.menuItemId === item.menuItemId);
      const lines = (known ? base.lines.map((l) => (l.item.menuItemId === item.menuItemId ? { item, qty } : l)) : [...base.lines, { item, qty }]).filter(
        (l) => l.qty > 0,
      );
      return lines.length ? { storeId, storeName, lines } : undefined;
    });
  };

  return (
    <>
      <nav class="tabs">
        <button class={screen.name !== 'orders' ? 'tab active' : 'tab'} onClick={() => setScreen({ name: 'stores' })}>
          🍽️ Order food
        </button>
        <button class={screen.name === 'orders' ? 'tab active' : 'tab'} onClick={() => setScreen({ name: 'orders' })}>
          🧾 My orders
        </button>
      </nav>
      {screen.name === 'stores' && <Stores region={region} setRegion={setRegion} open={(storeId) => setScreen({ name: 'menu', storeId })} />}
      {screen.name === 'menu' && (
        <Menu storeId={screen.storeId} cart={cart} setQty={setQty} back={() => setScreen({ name: 'stores' })} checkout={() => setScreen({ name: 'cart' })} />
      )}
      {screen.name === 'cart' && cart && (
        <Checkout
          cart={cart}
          region={region}
          setQty={(item, qty) => setQty(cart.storeId, cart.storeName, item, qty)}
          back={() => setScreen({ name: 'menu', storeId: cart.storeId })}
          placed={(orderId, payment) => {
            setCart(undefined);
            setScreen({ name: 'order', orderId, payment });
          }}
        />
      )}
      {screen.name === 'cart' && !cart && <Empty icon="🛒">Your cart is empty.</Empty>}
      {screen.name === 'order' && (
        <OrderScreen key={screen.orderId} orderId={screen.orderId} payment={screen.payment} back={() => setScreen({ name: 'orders' })} />
      )}
      {screen.name === 'orders' && <MyOrders open={(orderId) => setScreen({ name: 'order', orderId })} />}
      <p class="muted small center">Signed in as {user.displayName}</p>
    </>
  );
}

function Stores({ region, setRegion, open }: { region: string; setRegion: (r: string) => void; open: (storeId: string) => void }) {
  const { data, error, loading, reload } = useLoad((signal) => api.customer.listStores({ region, page: { pageSize: 50 } }, { signal }), [region]);
  return (
    <div data-testid="screen-stores">
      <h1>Stores near you</h1>
      <div class="chips" role="radiogroup" aria-label="Your area">
        {Object.entries(REGIONS).map(([code, r]) => (
          <button key={code} role="radio" aria-checked={region === code} class={region === code ? 'chip active' : 'chip'} onClick={() => setRegion(code)}>
            📍 {r.label}
          </button>
        ))}
      </div>
      <p class="muted small">Delivering to {REGIONS[region]?.address}</p>
      {error && <ErrorBox error={error} retry={reload} />}
      {loading && !data && <Spinner label="Finding stores near you…" />}
      {data && data.stores.length === 0 && <Empty icon="🏙️">No stores deliver to {regionLabel(region)} yet. Try another area.</Empty>}
      <div class="list">
        {data?.stores.map((s) => (
          <button key={s.storeId} class="card store-card" onClick={() => open(s.storeId)} disabled={!s.open} data-testid="store-card">
            <div class="store-emoji" aria-hidden="true">
              {s.storeId.includes('chicken') ? '🍗' : s.storeId.includes('pizza') ? '🍕' : '🍲'}
            </div>
            <div class="grow">
              <div class="title">{s.name}</div>
              <div class="muted small">{s.addressText}</div>
            </div>
            <span class={s.open ? 'pill pill-go' : 'pill pill-bad'}>{s.open ? 'Open' : 'Closed'}</span>
          </button>
        ))}
      </div>
    </div>
  );
}

function Menu(props: {
  storeId: string;
  cart?: Cart;
  setQty: (storeId: string, storeName: string, item: MenuItem, qty: number) => void;
  back: () => void;
  checkout: () => void;
}) {
  const { data, error, loading, reload } = useLoad((signal) => api.customer.getMenu({ storeId: props.storeId }, { signal }), [props.storeId]);
  const cart = props.cart?.storeId === props.storeId ? props.cart : undefined;
  const qtyOf = (id: string) => cart?.lines.find((l) => l.item.menuItemId === id)?.qty ?? 0;
  return (
    <div data-testid="screen-menu">
      <button class="back" onClick={props.back}>
        ← Stores
      </button>
      {error && <ErrorBox error={error} retry={reload} />}
      {loading && !data && <Spinner label="Loading the menu…" />}
      {data && (
        <>
          <h1>{data.store?.name}</h1>
          <p class="muted small">{data.store?.addressText}</p>
          {data.items.length === 0 && <Empty icon="📋">This store has no menu yet.</Empty>}
          <div class="list">
            {data.items.map((item) => (
              <div key={item.menuItemId} class={`card menu-item ${item.available ? '' : 'unavailable'}`} data-testid="menu-item">
                <div class="grow">
                  <div class="title">{item.name}</div>
                  {item.description && <div class="muted small">{item.description}</div>}
                  <div class="price">{money(item.price)}</div>
                </div>
                {!item.available ? (
                  <span class="pill">Sold out</span>
                ) : qtyOf(item.menuItemId) === 0 ? (
                  <button class="btn btn-small" aria-label={`Add ${item.name}`} onClick={() => props.setQty(props.storeId, data.store!.name, item, 1)}>
                    Add
                  </button>
                ) : (
                  <Stepper name={item.name} qty={qtyOf(item.menuItemId)} set={(q) => props.setQty(props.storeId, data.store!.name, item, q)} />
                )}
              </div>
            ))}
          </div>
        </>
      )}
      {cart && (
        <div class="sticky-bar">
          <button class="btn btn-wide" onClick={props.checkout} data-testid="view-cart">
            View cart · {cartCount(cart)} {cartCount(cart) === 1 ? 'item' : 'items'} · {won(cartTotal(cart))}
          </button>
        </div>
      )}
    </div>
  );
}

function Stepper({ name, qty, set }: { name: string; qty: number; set: (q: number) => void }) {
  return (
    <div class="stepper">
      <button aria-label={`One less ${name}`} onClick={() => set(qty - 1)}>
        −
      </button>
      <span aria-label={`${qty} × ${name}`}>{qty}</span>
      <button aria-label={`One more ${name}`} onClick={() => set(Math.min(qty + 1, 20))}>
        +
      </button>
    </div>
  );
}

const METHODS: Array<[PaymentMethod, string]> = [
  [PaymentMethod.CARD, '💳 Card'],
  [PaymentMethod.KAKAO_PAY, '🟡 KakaoPay'],
  [PaymentMethod.TOSS_PAY, '🔵 Toss Pay'],
  [PaymentMethod.NAVER_PAY, '🟢 Naver Pay'],
];

function Checkout(props: {
  cart: Cart;
  region: string;
  setQty: (item: MenuItem, qty: number) => void;
  back: () => void;
  placed: (orderId: string, p: Payment) => void;
}) {
  const { cart } = props;
  const area = REGIONS[props.region]!;
  const [address, setAddress] = useState(area.address);
  const [method, setMethod] = useState(PaymentMethod.CARD);
  // One key per checkout: a double tap or a retry after a timeout places the order once.
  const idempotencyKey = useMemo(() => uuid(), []);
  const action = useAction();
  const total = cartTotal(cart);

  const place = () =>
    action.run(async () => {
      const res = await api.customer.placeOrder({
        storeId: cart.storeId,
        items: cart.lines.map((l) => ({ menuItemId: l.item.menuItemId, quantity: l.qty })),
        deliveryAddress: { region: props.region, text: address.trim(), location: { lat: area.lat, lng: area.lng } },
        idempotencyKey,
        expectedTotal: { currencyCode: 'KRW', units: BigInt(total) },
        paymentMethod: method,
      });
      props.placed(res.order!.orderId, { outcome: res.paymentOutcome, message: res.customerMessage, retryAfter: res.retryAfterSeconds });
    });

  return (
    <div data-testid="screen-cart">
      <button class="back" onClick={props.back}>
        ← {cart.storeName}
      </button>
      <h1>Your order</h1>
      <Card>
        <div class="title">{cart.storeName}</div>
        <ul class="lines">
          {cart.lines.map((l) => (
            <li key={l.item.menuItemId}>
              <span class="grow">{l.item.name}</span>
              <Stepper name={l.item.name} qty={l.qty} set={(q) => props.setQty(l.item, q)} />
              <span class="amount">{won(Number(l.item.price?.units ?? 0n) * l.qty)}</span>
            </li>
          ))}
        </ul>
        <div class="total">
          <span>Total</span>
          <strong data-testid="cart-total">{won(total)}</strong>
        </div>
      </Card>
      <Card>
        <label class="field">
          <span>Deliver to ({area.label})</span>
          <input value={address} onInput={(e) => setAddress((e.target as HTMLInputElement).value)} />
        </label>
        <fieldset class="field">
          <legend>Pay with</legend>
          <div class="chips">
            {METHODS.map(([m, label]) => (
              <button key={m} type="button" class={method === m ? 'chip active' : 'chip'} aria-pressed={method === m} onClick={() => setMethod(m)}>
                {label}
              </button>
            ))}
          </div>
        </fieldset>
      </Card>
      {action.error && <ErrorBox error={action.error} />}
      <div class="sticky-bar">
        <button class="btn btn-wide" disabled={action.busy || !address.trim()} onClick={place}>
          {action.busy ? 'Placing your order…' : `Place order · ${won(total)}`}
        </button>
      </div>
    </div>
  );
}

const STEPS = [OrderStatus.PAID, OrderStatus.ACCEPTED, OrderStatus.COOKING, OrderStatus.COOKED, OrderStatus.PICKED_UP, OrderStatus.COMPLETED];
const STEP_LABEL = ['Paid', 'Accepted', 'Cooking', 'Ready', 'On the way', 'Delivered'];

function OrderScreen({ orderId, payment: initial, back }: { orderId: string; payment?: Payment; back: () => void }) {
  const [view, setView] = useState<OrderStatusView | undefined>(undefined);
  const [payment, setPayment] = useState<Payment | undefined>(initial);
  const [confirmCancel, setConfirmCancel] = useState(false);
  const action = useAction();
  const live = useStream(
    (signal) => api.customer.watchOrderStatus({ orderId }, { signal, ...STREAM }),
    (m) => m.view && setView((v) => (v && v.version > m.view!.version ? v : m.view)),
    [orderId],
  );
  const status = view?.status ?? OrderStatus.UNSPECIFIED;
  const info = ORDER_STATUS[status];
  const awaitingPayment = status === OrderStatus.AWAITING_PAYMENT || (!view && payment?.outcome === PaymentOutcome.DEFERRED);
  const stepAt = STEPS.indexOf(status);

  const payNow = () =>
    action.run(async () => {
      const res = await api.customer.payOrder({ orderId, idempotencyKey: uuid(), paymentMethod: PaymentMethod.UNSPECIFIED });
      setPayment({ outcome: res.paymentOutcome, message: res.customerMessage, retryAfter: res.retryAfterSeconds });
    });

  return (
    <div data-testid="screen-order">
      <button class="back" onClick={back}>
        ← My orders
      </button>
      <Card class={`status-card tone-${info.tone}`}>
        <div class="status-head">
          <span class="status-icon" aria-hidden="true">
            {info.icon}
          </span>
          <div class="grow">
            <div class="muted small">{view?.storeName ?? 'Your order'}</div>
            <h1 class="status-label" data-testid="order-status">
              {info.label}
            </h1>
          </div>
          <LiveDot state={live} />
        </div>
        {view && (
          <div class="muted small">
            {view.itemsSummary} · <strong>{money(view.total)}</strong>
            {view.riderName && <> · Rider {view.riderName}</>}
            {status === OrderStatus.ACCEPTED && view.estimatedReadyMinutes > 0 && <> · ready in about {view.estimatedReadyMinutes} min</>}
          </div>
        )}
        {!view && <Spinner label="Getting your order's status…" />}
        {stepAt >= 0 && (
          <ol class="progress" aria-label="Progress">
            {STEP_LABEL.map((label, i) => (
              <li key={label} class={i < stepAt ? 'done' : i === stepAt ? 'now' : ''}>
                <span>{label}</span>
              </li>
            ))}
          </ol>
        )}
      </Card>

      {awaitingPayment && (
        <Card class="paylater" testid="pay-later">
          <div class="title">💳 Payment is pending</div>
          <p>
            {payment?.message ||
              renderMessage({ code: 'PAYMENT_DEFERRED', params: { retryAfterSeconds: payment?.retryAfter || view?.retryAfterSeconds || 30 } }, 'en').body}
          </p>
          {view?.payBy && (
            <p class="muted small" data-testid="pay-by">
              Pay by {time(view.payBy)}; an order still unpaid then is cancelled, and nothing is charged.
            </p>
          )}
          <button class="btn" disabled={action.busy} onClick={payNow}>
            {action.busy ? 'Paying…' : 'Pay now'}
          </button>
        </Card>
      )}
      {payment?.outcome === PaymentOutcome.PAID && status === OrderStatus.PAID && initial?.outcome === PaymentOutcome.DEFERRED && (
        <div class="banner banner-go">✅ Payment received — the store has your order.</div>
      )}
      {payment?.outcome === PaymentOutcome.DECLINED && <div class="banner banner-bad">{payment.message}</div>}
      {action.error && <ErrorBox error={action.error} />}

      <div class="actions">
        {isCancellable(status) && !confirmCancel && (
          <button class="btn btn-ghost" onClick={() => setConfirmCancel(true)}>
            Cancel order
          </button>
        )}
        {isCancellable(status) && confirmCancel && (
          <div class="confirm">
            <span>Cancel this order?</span>
            <button
              class="btn btn-danger"
              disabled={action.busy}
              onClick={() => action.run(() => api.customer.cancelOrder({ orderId, reason: 'Cancelled in the app' })).then(() => setConfirmCancel(false))}
            >
              Yes, cancel
            </button>
            <button class="btn btn-ghost" onClick={() => setConfirmCancel(false)}>
              Keep it
            </button>
          </div>
        )}
        {status === OrderStatus.PICKED_UP && (
          <button class="btn btn-wide" disabled={action.busy} onClick={() => action.run(() => api.customer.confirmDelivered({ orderId }))}>
            I got my food 🎉
          </button>
        )}
        {status === OrderStatus.COOKING && <p class="muted small">The kitchen has started: the order can no longer be cancelled.</p>}
        {status === OrderStatus.COMPLETED && <p class="center">Enjoy your meal! 🍽️</p>}
      </div>

      {view && <OrderPayments orderId={orderId} version={view.version} />}

      {view && view.timeline.length > 0 && (
        <Card>
          <div class="title">Timeline</div>
          <ol class="timeline" data-testid="timeline">
            {view.timeline.map((t) => (
              <li key={t.eventId}>
                <time>{time(t.occurredAt)}</time>
                <span>{t.description || t.eventType.split('.').pop()}</span>
              </li>
            ))}
          </ol>
        </Card>
      )}
      <p class="muted small center">Order {orderId.slice(-8)}</p>
    </div>
  );
}

/** What was charged for the order and what was given back: read from the payment service, again after each change of the order. */
function OrderPayments({ orderId, version }: { orderId: string; version: bigint }) {
  const { data, error, reload } = useLoad((signal) => api.customer.listOrderPayments({ orderId }, { signal }), [orderId, version]);
  const shown = (data?.payments ?? []).filter((p) => p.status !== PaymentStatus.UNSPECIFIED);
  if (error) return <ErrorBox error={error} retry={reload} />;
  if (shown.length === 0) return null;
  return (
    <Card testid="payments">
      <div class="title">Payment</div>
      <ul class="payments">
        {shown.map((p) => (
          <li key={p.paymentId} data-testid="payment">
            <PaymentLine p={p} />
          </li>
        ))}
      </ul>
    </Card>
  );
}

function PaymentLine({ p }: { p: PaymentRecord }) {
  switch (p.status) {
    case PaymentStatus.APPROVED:
      return (
        <span>
          Paid <strong>{money(p.amount)}</strong> on {dateTime(p.createdAt)}
        </span>
      );
    case PaymentStatus.REFUNDED:
      return (
        <span data-testid="refund">
          Paid {money(p.amount)} on {dateTime(p.createdAt)} · <strong>Refunded {money(p.amount)}</strong> on {dateTime(p.refundedAt)}
          {p.refundReason && <span class="muted"> ({p.refundReason})</span>}
        </span>
      );
    default:
      return (
        <span class="muted">
          Declined {money(p.amount)} on {dateTime(p.createdAt)}
          {p.declineReason && <> ({p.declineReason})</>}
        </span>
      );
  }
}

function MyOrders({ open }: { open: (orderId: string) => void }) {
  const { data, error, loading, reload } = useLoad((signal) => api.customer.listMyOrders({ page: { pageSize: 30 } }, { signal }), []);
  return (
    <div data-testid="screen-orders">
      <h1>My orders</h1>
      {error && <ErrorBox error={error} retry={reload} />}
      {loading && !data && <Spinner label="Loading your orders…" />}
      {data && data.views.length === 0 && <Empty icon="🧾">No orders yet. Hungry? Pick a store to start.</Empty>}
      <div class="list">
        {data?.views.map((v) => (
          <button key={v.orderId} class="card order-card" onClick={() => open(v.orderId)}>
            <span class="status-icon small" aria-hidden="true">
              {ORDER_STATUS[v.status].icon}
            </span>
            <div class="grow">
              <div class="title">{v.storeName}</div>
              <div class="muted small">
                {v.itemsSummary} · {dateTime(v.createdAt)}
              </div>
            </div>
            <div class="right">
              <div class={`pill tone-${ORDER_STATUS[v.status].tone}`}>{ORDER_STATUS[v.status].label}</div>
              <div class="small">{money(v.total)}</div>
            </div>
          </button>
        ))}
      </div>
    </div>
  );
}
