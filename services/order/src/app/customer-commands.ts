import type { User } from '@foodmesh/platform';
import type { Order } from '../domain/order';
import type { OrderDeps } from './order-deps';
import { findOrder, ownOrder, transition, unknownOrder } from './order-transition';

export async function cancelOrder(deps: OrderDeps, who: User, orderId: string, reason: string): Promise<Order> {
  await ownOrder(deps, who, orderId);
  return transition(deps, orderId, { kind: 'cancel', reason: reason.trim() || 'cancelled by the customer', requestedBy: who.userId });
}

export async function confirmDelivered(deps: OrderDeps, who: User, orderId: string): Promise<Order> {
  await ownOrder(deps, who, orderId);
  return transition(deps, orderId, { kind: 'confirmDelivered' });
}

/** Whose an order is (for the edge, which tells a stranger PERMISSION_DENIED rather than NOT_FOUND). */
export async function orderOwner(deps: OrderDeps, orderId: string): Promise<{ customerId: string; storeId: string }> {
  const order = await findOrder(deps, orderId);
  if (!order) throw unknownOrder(orderId);
  return { customerId: order.customerId, storeId: order.storeId };
}
