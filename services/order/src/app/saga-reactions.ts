import { causedBy, type Logger } from '@foodmesh/platform';
import type { EventEnvelope } from '@foodmesh/proto-gen/foodmesh/events/v1/envelope';
import type { MenuPublished } from '@foodmesh/proto-gen/foodmesh/events/v1/store_events';
import { menuFromPublished } from '../domain/menu';
import type { OrderInput } from '../domain/order-machine';
import type { OrderDeps } from './order-deps';
import { transitionIn } from './order-transition';
import type { OrderRepository } from './ports';

/** An event from another service, inside the consumer's inbox transaction. Unknown orders are logged and skipped. */
export async function applyEvent(
  repo: OrderRepository,
  deps: Pick<OrderDeps, 'logger' | 'now'>,
  orderId: string,
  input: OrderInput,
  env: EventEnvelope,
): Promise<void> {
  const order = await transitionIn(repo, deps, orderId, input, causedBy(env));
  if (!order) deps.logger.warn({ order_id: orderId, event: env.type, event_id: env.eventId }, 'event for an unknown order ignored');
}

/** A store's published menu, into the replica that prices new orders. */
export async function applyMenu(repo: OrderRepository, logger: Logger, e: MenuPublished): Promise<void> {
  const stored = await repo.upsertMenuIfNewer(menuFromPublished(e));
  logger.info({ store_id: e.storeId, menu_version: e.menuVersion, stored }, stored ? 'menu replica updated' : 'menu version not newer; ignored');
}
