import { randomUUID } from 'node:crypto';
import { status as grpcStatus } from '@grpc/grpc-js';
import { OrderStatus } from '@foodmesh/proto-gen/foodmesh/common/v1/order_status';
import { PaymentMethod } from '@foodmesh/proto-gen/foodmesh/common/v1/payment_method';
import { PaymentOutcome, type Order } from '@foodmesh/proto-gen/foodmesh/order/v1/order';
import { StoreOrderStatus } from '@foodmesh/proto-gen/foodmesh/store/v1/store';
import type { OrderStatusView } from '@foodmesh/proto-gen/foodmesh/orderview/v1/orderview';
import { formatWon, type User } from '@foodmesh/platform';
import type { Clients } from './clients';
import { check, waitFor, type Report } from './report';

const STORE = 'store-gangnam-chicken';
const CUSTOMER: User = { userId: 'customer-1', role: 'customer' };
const OWNER: User = { userId: 'owner-1', role: 'owner', storeId: STORE };
const RIDER: User = { userId: 'rider-1', role: 'rider', region: 'seoul-gangnam' };
const HOME = { region: 'seoul-gangnam', location: { lat: 37.5006, lng: 127.0364 }, text: 'Teheran-ro 212, Gangnam-gu' };

const name = (s: OrderStatus) => OrderStatus[s]?.replace('ORDER_STATUS_', '') ?? String(s);
const won = formatWon;

export class Flows {
  constructor(
    private readonly c: Clients,
    private readonly r: Report,
  ) {}

  private async view(orderId: string): Promise<OrderStatusView> {
    const { view } = await this.c.orderview.getOrderStatus({ orderId }, this.c.as(CUSTOMER));
    return view!;
  }

  /** Waits until the CQRS view shows `status`; prints it with the order's notifications. */
  private async viewReaches(orderId: string, status: OrderStatus): Promise<string[]> {
    const view = await waitFor(`the status view to show ${name(status)}`, async () => {
      const v = await this.view(orderId).catch(() => undefined);
      if (v?.status === status) return v;
      if (v) throw new Error(`it shows ${name(v.status)}`);
      return undefined;
    });
    return [`view: ${name(view.status)}${view.riderName ? ` (rider ${view.riderName})` : ''}`, ...(await this.notifications(orderId))];
  }

  private async notifications(orderId: string): Promise<string[]> {
    const out: string[] = [];
    for (const who of [CUSTOMER, OWNER, RIDER]) {
      const { notifications } = await this.c.notification.listNotifications(
        { recipientId: who.userId, page: { pageSize: 100, pageToken: '' } },
        this.c.as(who),
      );
      const mine = notifications.filter((n) => n.orderId === orderId);
      if (mine.length) out.push(`notifications to ${who.userId}: ${mine.map((n) => `“${n.title}”`).join(', ')}`);
    }
    return out;
  }

  private async place(menuItems: Array<[string, number]>): Promise<{ order: Order; outcome: PaymentOutcome; message: string }> {
    const res = await this.c.order.placeOrder(
      {
        customerId: CUSTOMER.userId,
        storeId: STORE,
        items: menuItems.map(([menuItemId, quantity]) => ({ menuItemId, quantity })),
        deliveryAddress: HOME,
        idempotencyKey: randomUUID(),
        expectedTotal: undefined,
        paymentMethod: PaymentMethod.PAYMENT_METHOD_CARD,
      },
      this.c.as(CUSTOMER),
    );
    return { order: res.order!, outcome: res.paymentOutcome, message: res.customerMessage };
  }

  private async placePaid(): Promise<Order> {
    const { order, outcome, message } = await this.place([['chk-fried', 1]]);
    check(outcome === PaymentOutcome.PAYMENT_OUTCOME_PAID, `expected a paid order, got ${PaymentOutcome[outcome]}: ${message}`);
    return order;
  }

  private async ownerSees(orderId: string): Promise<void> {
    await waitFor("the order in the owner's list", async () => {
      const { storeOrders } = await this.c.store.listStoreOrders(
        { storeId: STORE, status: StoreOrderStatus.STORE_ORDER_STATUS_REQUESTED, page: { pageSize: 200, pageToken: '' } },
        this.c.as(OWNER),
      );
      return storeOrders.some((o) => o.orderId === orderId) ? true : undefined;
    });
  }

  private async expectOrderStatus(orderId: string, status: OrderStatus): Promise<void> {
    await waitFor(`order ${orderId} to be ${name(status)} in the order service`, async () => {
      const { order } = await this.c.order.getOrder({ orderId }, this.c.as(CUSTOMER));
      if (order!.status === status) return true;
      throw new Error(`it is ${name(order!.status)}`);
    });
  }

  /** The ten steps every release must pass. */
  async tenSteps(): Promise<void> {
    this.r.section('The ten steps: order → pay → owner → cook → rider → delivered');
    let order!: Order;
    const watched: OrderStatus[] = [];
    let watchEnded: Promise<void> | undefined;

    await this.r.step('1. customer-1 picks 2× Fried Chicken + 1× Cola at Gangnam Fried Chicken and orders', async () => {
      const { items } = await this.c.store.getMenu({ storeId: STORE });
      check(
        items.some((i) => i.menuItemId === 'chk-fried'),
        'the menu has no Fried Chicken',
      );
      const placed = await this.place([
        ['chk-fried', 2],
        ['chk-cola', 1],
      ]);
      order = placed.order;
      // Follow the order live from now on (step 9).
      watchEnded = (async () => {
        for await (const { view } of this.c.orderview.watchOrderStatus({ orderId: order.orderId }, this.c.as(CUSTOMER))) {
          if (view && watched[watched.length - 1] !== view.status) watched.push(view.status);
        }
      })();
      watchEnded.catch(() => undefined);
      return [`order ${order.orderId}, total ${won(order.total!.units)}`, `reply: ${placed.message || PaymentOutcome[placed.outcome]}`];
    });

    await this.r.step('2. the customer pays for it', async () => {
      check(order.status === OrderStatus.ORDER_STATUS_PAID, `the order is ${name(order.status)}, not PAID`);
      check(order.paymentId, 'the order has no payment id');
      return [`payment ${order.paymentId}`, ...(await this.viewReaches(order.orderId, OrderStatus.ORDER_STATUS_PAID))];
    });

    await this.r.step('3. the paid order reaches the store owner (owner-1)', async () => {
      await this.ownerSees(order.orderId);
      return "in owner-1's list of REQUESTED orders";
    });

    await this.r.step('4. the owner accepts it', async () => {
      await this.c.store.acceptOrder({ storeId: STORE, orderId: order.orderId, estimatedReadyMinutes: 15 }, this.c.as(OWNER));
      return this.viewReaches(order.orderId, OrderStatus.ORDER_STATUS_ACCEPTED);
    });

    await this.r.step('5. the owner records cooking started and finished', async () => {
      await this.c.store.startCooking({ storeId: STORE, orderId: order.orderId }, this.c.as(OWNER));
      await this.viewReaches(order.orderId, OrderStatus.ORDER_STATUS_COOKING);
      await this.c.store.finishCooking({ storeId: STORE, orderId: order.orderId }, this.c.as(OWNER));
      return this.viewReaches(order.orderId, OrderStatus.ORDER_STATUS_COOKED);
    });

    await this.r.step('6. cancelling is refused now that cooking has started (a cancel before cooking: below)', async () => {
      await this.expectOrderStatus(order.orderId, OrderStatus.ORDER_STATUS_COOKED);
      const err = await this.c.order.cancelOrder({ orderId: order.orderId, reason: 'changed my mind' }, this.c.as(CUSTOMER)).then(
        () => undefined,
        (e: { code: number; details: string }) => e,
      );
      check(err?.code === grpcStatus.FAILED_PRECONDITION, `expected FAILED_PRECONDITION, got ${err ? grpcStatus[err.code] : 'success'}`);
      return `FAILED_PRECONDITION: ${err.details}`;
    });

    let deliveryId = '';
    await this.r.step('7. rider-1 near the customer lists the delivery', async () => {
      const found = await waitFor("the delivery in rider-1's list", async () => {
        const { deliveries } = await this.c.delivery.listAvailableDeliveries(
          { region: HOME.region, near: HOME.location, radiusM: 5000, page: { pageSize: 50, pageToken: '' } },
          this.c.as(RIDER),
        );
        return deliveries.find((d) => d.delivery?.orderId === order.orderId);
      });
      deliveryId = found.delivery!.deliveryId;
      return `delivery ${deliveryId}, ${Math.round(found.distanceM)} m away`;
    });

    await this.r.step('8. rider-1 picks it up', async () => {
      await this.c.delivery.pickUp({ deliveryId, riderId: RIDER.userId }, this.c.as(RIDER));
      return this.viewReaches(order.orderId, OrderStatus.ORDER_STATUS_PICKED_UP);
    });

    await this.r.step('9. the customer followed the status live (WatchOrderStatus)', async () => {
      const expected = [
        OrderStatus.ORDER_STATUS_ACCEPTED,
        OrderStatus.ORDER_STATUS_COOKING,
        OrderStatus.ORDER_STATUS_COOKED,
        OrderStatus.ORDER_STATUS_PICKED_UP,
      ];
      await waitFor('the watch stream to show PICKED_UP', async () => (watched.includes(OrderStatus.ORDER_STATUS_PICKED_UP) ? true : undefined), 10_000);
      let at = -1;
      for (const s of expected) {
        const i = watched.indexOf(s);
        check(i > at, `the stream showed ${watched.map(name).join(' → ')}; ${name(s)} missing or out of order`);
        at = i;
      }
      const { view } = await this.c.orderview.getOrderStatus({ orderId: order.orderId }, this.c.as(CUSTOMER));
      return [`stream: ${watched.map(name).join(' → ')}`, `timeline: ${view!.timeline.map((t) => t.eventType.split('.').pop()).join(', ')}`];
    });

    await this.r.step('10. the customer taps "delivered": the order completes', async () => {
      const { order: done } = await this.c.order.confirmDelivered({ orderId: order.orderId }, this.c.as(CUSTOMER));
      check(done!.status === OrderStatus.ORDER_STATUS_COMPLETED, `the order is ${name(done!.status)}`);
      const lines = await this.viewReaches(order.orderId, OrderStatus.ORDER_STATUS_COMPLETED);
      await waitFor(
        'the watch stream to end at the final state',
        async () => {
          const ended = await Promise.race([watchEnded!.then(() => true), new Promise<undefined>((r) => setTimeout(() => r(undefined), 200))]);
          return ended;
        },
        10_000,
      );
      return lines;
    });
  }

  async storeRejects(): Promise<void> {
    this.r.section('The store rejects a paid order: the payment is refunded');
    let order!: Order;
    await this.r.step('customer-1 orders and pays', async () => {
      order = await this.placePaid();
      await this.ownerSees(order.orderId);
      return `order ${order.orderId}`;
    });
    await this.r.step('owner-1 rejects it (sold out)', async () => {
      await this.c.store.rejectOrder({ storeId: STORE, orderId: order.orderId, reason: 'sold out for today' }, this.c.as(OWNER));
      return 'rejected';
    });
    await this.r.step('the payment is refunded and the order ends REJECTED', async () => {
      const lines = await this.viewReaches(order.orderId, OrderStatus.ORDER_STATUS_REJECTED);
      await this.expectOrderStatus(order.orderId, OrderStatus.ORDER_STATUS_REJECTED);
      const timeline = (await this.view(order.orderId)).timeline.map((t) => t.eventType.split('.').pop());
      check(timeline.includes('PaymentRefunded'), `no PaymentRefunded in the timeline: ${timeline.join(', ')}`);
      return lines;
    });
  }

  async cancelBeforeCooking(): Promise<void> {
    this.r.section('The customer cancels before cooking: the store agrees, the payment is refunded');
    let order!: Order;
    await this.r.step('customer-1 orders and pays; owner-1 accepts', async () => {
      order = await this.placePaid();
      await this.ownerSees(order.orderId);
      await this.c.store.acceptOrder({ storeId: STORE, orderId: order.orderId, estimatedReadyMinutes: 20 }, this.c.as(OWNER));
      await this.viewReaches(order.orderId, OrderStatus.ORDER_STATUS_ACCEPTED);
      return `order ${order.orderId} ACCEPTED`;
    });
    await this.r.step('customer-1 cancels: CANCEL_REQUESTED, the store decides', async () => {
      const { order: o } = await this.c.order.cancelOrder({ orderId: order.orderId, reason: 'ordered by mistake' }, this.c.as(CUSTOMER));
      check(
        o!.status === OrderStatus.ORDER_STATUS_CANCEL_REQUESTED || o!.status === OrderStatus.ORDER_STATUS_CANCELLED,
        `the order is ${name(o!.status)} after cancel`,
      );
      return `order service: ${name(o!.status)}`;
    });
    await this.r.step('the order ends CANCELLED with a refund', async () => {
      const lines = await this.viewReaches(order.orderId, OrderStatus.ORDER_STATUS_CANCELLED);
      await this.expectOrderStatus(order.orderId, OrderStatus.ORDER_STATUS_CANCELLED);
      const timeline = (await this.view(order.orderId)).timeline.map((t) => t.eventType.split('.').pop());
      check(timeline.includes('PaymentRefunded'), `no PaymentRefunded in the timeline: ${timeline.join(', ')}`);
      return lines;
    });
  }

  async cancelAfterCooking(): Promise<void> {
    this.r.section('The customer tries to cancel after cooking started: refused');
    let order!: Order;
    await this.r.step('customer-1 orders and pays; owner-1 accepts and starts cooking', async () => {
      order = await this.placePaid();
      await this.ownerSees(order.orderId);
      await this.c.store.acceptOrder({ storeId: STORE, orderId: order.orderId, estimatedReadyMinutes: 10 }, this.c.as(OWNER));
      await this.c.store.startCooking({ storeId: STORE, orderId: order.orderId }, this.c.as(OWNER));
      await this.expectOrderStatus(order.orderId, OrderStatus.ORDER_STATUS_COOKING);
      return `order ${order.orderId} COOKING`;
    });
    await this.r.step('CancelOrder answers FAILED_PRECONDITION and the order keeps cooking', async () => {
      const err = await this.c.order.cancelOrder({ orderId: order.orderId, reason: 'too slow' }, this.c.as(CUSTOMER)).then(
        () => undefined,
        (e: { code: number; details: string }) => e,
      );
      check(err?.code === grpcStatus.FAILED_PRECONDITION, `expected FAILED_PRECONDITION, got ${err ? grpcStatus[err.code] : 'success'}`);
      await this.expectOrderStatus(order.orderId, OrderStatus.ORDER_STATUS_COOKING);
      return `FAILED_PRECONDITION: ${err.details}`;
    });
  }

  async payLater(): Promise<void> {
    this.r.section('Payment is down: the order is kept and paid later');
    let order!: Order;
    try {
      await this.r.step('payment starts failing (fault knob: every Pay answers UNAVAILABLE)', async () => {
        const { faults } = await this.c.paymentAdmin.setFaults({
          faults: { latencyMs: 0, errorRate: 1, errorCode: grpcStatus.UNAVAILABLE, maxConcurrent: 0, declineRate: 0 },
        });
        return `faults: error rate ${faults!.errorRate}`;
      });
      await this.r.step('customer-1 orders: the order is saved AWAITING_PAYMENT with a pay-later message', async () => {
        const placed = await this.place([['chk-yangnyeom', 1]]);
        order = placed.order;
        check(placed.outcome === PaymentOutcome.PAYMENT_OUTCOME_DEFERRED, `expected DEFERRED, got ${PaymentOutcome[placed.outcome]}`);
        check(order.status === OrderStatus.ORDER_STATUS_AWAITING_PAYMENT, `the order is ${name(order.status)}`);
        return [`reply: “${placed.message}”`, ...(await this.viewReaches(order.orderId, OrderStatus.ORDER_STATUS_AWAITING_PAYMENT))];
      });
    } finally {
      await this.c.paymentAdmin.setFaults({ faults: { latencyMs: 0, errorRate: 0, errorCode: 0, maxConcurrent: 0, declineRate: 0 } }).catch(() => undefined);
    }
    await this.r.step('payment recovers; the customer pays again (PayOrder) and the order is PAID', async () => {
      // The client's breaker may still be open for a few seconds: keep trying like the app's "pay now" button.
      const paid = await waitFor(
        'PayOrder to succeed',
        async () => {
          const res = await this.c.order.payOrder(
            { orderId: order.orderId, idempotencyKey: randomUUID(), paymentMethod: PaymentMethod.PAYMENT_METHOD_CARD },
            this.c.as(CUSTOMER),
          );
          return res.paymentOutcome === PaymentOutcome.PAYMENT_OUTCOME_PAID ? res : undefined;
        },
        30_000,
      );
      check(paid.order!.status === OrderStatus.ORDER_STATUS_PAID, `the order is ${name(paid.order!.status)}`);
      return this.viewReaches(order.orderId, OrderStatus.ORDER_STATUS_PAID);
    });
    await this.r.step('the paid order reaches the store', async () => {
      await this.ownerSees(order.orderId);
      return "in owner-1's list of REQUESTED orders";
    });
  }
}
