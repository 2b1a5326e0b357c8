import { DomainError, permissionDenied } from '@foodmesh/platform';
import type { Upstreams } from './ports';

const isNotFound = (err: unknown) => err instanceof DomainError && err.kind === 'NOT_FOUND';

interface OrderOwner {
  customerId: string;
  storeId: string;
}

/**
 * Ownership of orders at the edge. Internal services answer NOT_FOUND for an
 * order that is not the caller's (they hide its existence); the public API
 * answers PERMISSION_DENIED. So after a NOT_FOUND the edge asks the order
 * service whose the order is (GetOrderOwner, on its own workload identity):
 * someone else's ⇒ PERMISSION_DENIED; unknown or the caller's own (a view not
 * caught up yet) ⇒ the NOT_FOUND stands. A call whose upstream answers a
 * stranger with an empty result instead (payments) is checked before it runs.
 */
export function createOrderGuard(up: Pick<Upstreams, 'order'>) {
  const denyStranger = async (orderId: string, isMine: (o: OrderOwner) => boolean, what: string) => {
    if (!orderId) return;
    const owner = await up.order.getOrderOwner({ orderId }).catch((err: unknown) => {
      if (isNotFound(err)) return undefined;
      throw err;
    });
    if (owner && !isMine(owner)) throw permissionDenied(`order ${orderId} is not ${what}`, 'NOT_YOUR_ORDER');
  };

  const guard = async <T>(orderId: string, isMine: (o: OrderOwner) => boolean, what: string, call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (err) {
      if (isNotFound(err)) await denyStranger(orderId, isMine, what);
      throw err;
    }
  };

  async function* guardStream<T>(orderId: string, isMine: (o: OrderOwner) => boolean, what: string, stream: () => AsyncIterable<T>): AsyncGenerator<T> {
    try {
      yield* stream();
    } catch (err) {
      if (isNotFound(err)) await denyStranger(orderId, isMine, what);
      throw err;
    }
  }

  const yours = (customerId: string) => (o: OrderOwner) => o.customerId === customerId;
  return {
    /** A customer's call about one of their orders. */
    customer: <T>(orderId: string, customerId: string, call: () => Promise<T>) => guard(orderId, yours(customerId), 'yours', call),
    /** The same, for a call whose upstream shows a stranger nothing rather than NOT_FOUND. */
    customerFirst: async <T>(orderId: string, customerId: string, call: () => Promise<T>) => {
      await denyStranger(orderId, yours(customerId), 'yours');
      return call();
    },
    customerStream: <T>(orderId: string, customerId: string, stream: () => AsyncIterable<T>) => guardStream(orderId, yours(customerId), 'yours', stream),
    /** An owner's call about an order of their store. */
    store: <T>(orderId: string, storeId: string, call: () => Promise<T>) => guard(orderId, (o) => o.storeId === storeId, 'an order of your store', call),
  };
}
export type OrderGuard = ReturnType<typeof createOrderGuard>;
