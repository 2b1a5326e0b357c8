import { notFound, permissionDenied, readPage, pageOf, type ChangeFlag, type PageRequestLike } from '@foodmesh/platform';
import { isFinal } from '@foodmesh/platform/order-lifecycle';
import type { OrderView } from '../domain/order-view';
import type { ViewChanges, ViewReads } from './ports';

// Another customer's order is reported as missing, not forbidden: its existence is not theirs to know.
const hide = (orderId: string) => notFound(`no order ${orderId} in the view (yet)`, 'ORDER_NOT_IN_VIEW');

export function createOrderQueries(deps: { views: ViewReads; changes: ViewChanges; unknownOrderWaitMs: number }) {
  const visible = (v: OrderView | undefined, customerId: string) => (v && v.customerId === customerId ? v : undefined);

  return {
    async get(orderId: string, customerId: string): Promise<OrderView> {
      const v = visible(await deps.views.get(orderId), customerId);
      if (!v) throw hide(orderId);
      return v;
    },

    /** Any order, for an operator. */
    async getAny(orderId: string): Promise<OrderView> {
      const v = await deps.views.get(orderId);
      if (!v) throw hide(orderId);
      return v;
    },

    async listMine(actingCustomerId: string, customerId: string, page: PageRequestLike | undefined) {
      if (customerId && customerId !== actingCustomerId) throw permissionDenied('you can only list your own orders');
      const p = readPage(page);
      return pageOf(await deps.views.listByCustomer(actingCustomerId, p), p);
    },

    /**
     * The order's view now, then after each change, until a final status. It
     * subscribes before the first read, so no change between read and wait is
     * missed. An order the view does not know yet (its first event has not
     * arrived) is waited for up to `unknownOrderWaitMs`, then NOT_FOUND.
     */
    async *watch(orderId: string, customerId: string, waiter: ChangeFlag): AsyncGenerator<OrderView> {
      const unsubscribe = deps.changes.subscribe(orderId, () => waiter.raise());
      let expired = false;
      const giveUp = setTimeout(() => {
        expired = true;
        waiter.raise();
      }, deps.unknownOrderWaitMs);
      try {
        let v = await deps.views.get(orderId);
        while (!v) {
          if (expired) throw hide(orderId);
          if (!(await waiter.next())) return;
          v = await deps.views.get(orderId);
        }
        clearTimeout(giveUp);
        if (!visible(v, customerId)) throw hide(orderId);
        yield v;
        let last = v.version;
        while (!isFinal(v.status)) {
          if (!(await waiter.next())) return;
          const now = await deps.views.get(orderId);
          if (!now || now.version <= last) continue; // a rebuild emptied it, or nothing new
          v = now;
          last = v.version;
          yield v;
        }
      } finally {
        clearTimeout(giveUp);
        unsubscribe();
        waiter.dispose();
      }
    },
  };
}
export type OrderQueries = ReturnType<typeof createOrderQueries>;
