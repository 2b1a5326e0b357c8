import { newEnvelope, notFound, type Cause, type User } from '@foodmesh/platform';
import { orderStatusName } from '@foodmesh/platform/order-lifecycle';
import type { Order } from '../domain/order';
import { decide, type OrderInput } from '../domain/order-machine';
import type { OrderDeps } from './order-deps';
import type { OrderRepository } from './ports';

/**
 * Applies one input to one order inside the repository's transaction: lock,
 * decide, save, and the events into the outbox, all or nothing.
 */
export async function transitionIn(
  repo: OrderRepository,
  deps: Pick<OrderDeps, 'logger' | 'now'>,
  orderId: string,
  input: OrderInput,
  cause?: Cause,
): Promise<Order | undefined> {
  const { logger } = deps;
  const order = await repo.lockOrder(orderId);
  if (!order) return undefined;
  const outcome = decide(order, input, deps.now());
  if (outcome.kind === 'ignored') {
    logger.info({ order_id: orderId, input: input.kind, status: orderStatusName(order.status), why: outcome.reason }, 'input ignored');
    return order;
  }
  const next = outcome.order;
  await repo.saveOrder(next);
  await repo.publish(
    outcome.events.map((payload, i) =>
      newEnvelope({ orderId, aggregateVersion: order.version + i + 1, payload, occurredAt: next.updatedAt, ...(cause ?? { correlationId: orderId }) }),
    ),
  );
  if (next.status !== order.status)
    logger.info({ order_id: orderId, from: orderStatusName(order.status), to: orderStatusName(next.status), input: input.kind }, 'order status changed');
  return next;
}

export const unknownOrder = (orderId: string) => notFound(`no order with id "${orderId}"`, 'ORDER_NOT_FOUND');

/** One input to one order, in a transaction of its own. */
export async function transition(deps: OrderDeps, orderId: string, input: OrderInput): Promise<Order> {
  const order = await deps.inTx((repo) => transitionIn(repo, deps, orderId, input));
  if (!order) throw unknownOrder(orderId);
  return order;
}

export const findOrder = async (deps: OrderDeps, orderId: string) => (/^[0-9a-f-]{36}$/i.test(orderId) ? deps.store.findOrder(orderId) : undefined);

/** The customer's own order; someone else's is reported as unknown. */
export async function ownOrder(deps: OrderDeps, who: User, orderId: string): Promise<Order> {
  const order = await findOrder(deps, orderId);
  if (!order || order.customerId !== who.userId) throw unknownOrder(orderId);
  return order;
}
