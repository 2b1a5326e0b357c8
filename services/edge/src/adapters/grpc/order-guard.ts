import { permissionDenied } from '@foodmesh/platform';
import type { OrderOwner, OwnershipIndex } from '../../app/ownership';
import { isNotFound } from './upstream';

/**
 * Ownership of orders at the edge. Internal services answer NOT_FOUND for an
 * order that is not the caller's (they hide its existence); the public API
 * answers PERMISSION_DENIED, using the ownership index: before the call when the
 * index already knows the order, and after a NOT_FOUND (the index may have
 * learned it meanwhile). An order the index does not know stays NOT_FOUND.
 */
export function createOrderGuard(index: OwnershipIndex) {
  const check = (orderId: string, isMine: (o: OrderOwner) => boolean, what: string) => {
    const owner = orderId ? index.lookup(orderId) : undefined;
    if (owner && !isMine(owner)) throw permissionDenied(`order ${orderId} is not ${what}`, 'NOT_YOUR_ORDER');
  };

  const guard = async <T>(orderId: string, isMine: (o: OrderOwner) => boolean, what: string, call: () => Promise<T>): Promise<T> => {
    check(orderId, isMine, what);
    try {
      return await call();
    } catch (err) {
      if (isNotFound(err)) check(orderId, isMine, what);
      throw err;
    }
  };

  async function* guardStream<T>(orderId: string, isMine: (o: OrderOwner) => boolean, what: string, stream: () => AsyncIterable<T>): AsyncGenerator<T> {
    check(orderId, isMine, what);
    try {
      yield* stream();
    } catch (err) {
      if (isNotFound(err)) check(orderId, isMine, what);
      throw err;
    }
  }

  return {
    /** A customer's call about one of their orders. */
    customer: <T>(orderId: string, customerId: string, call: () => Promise<T>) => guard(orderId, (o) => o.customerId === customerId, 'yours', call),
    customerStream: <T>(orderId: string, customerId: string, stream: () => AsyncIterable<T>) =>
      guardStream(orderId, (o) => o.customerId === customerId, 'yours', stream),
    /** An owner's call about an order of their store. */
    store: <T>(orderId: string, storeId: string, call: () => Promise<T>) => guard(orderId, (o) => o.storeId === storeId, 'an order of your store', call),
  };
}
export type OrderGuard = ReturnType<typeof createOrderGuard>;
