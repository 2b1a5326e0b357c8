import type { Logger } from '@foodmesh/platform';
import type { Order } from '../domain/order';
import type { PaymentGateway } from './ports';

/**
 * Tells the customers of deferred orders, once each, when payment works again. Two signals that
 * it does: a charge answered (approved or declined) on this replica, which sends an announcement
 * at most every `minIntervalMs`; and, since such traffic may not come (a quiet night), `probe()`,
 * run periodically, which sends payment a Pay for the oldest waiting order that cannot charge
 * (PaymentGateway.answers) and announces if it is answered. Either works on any replica;
 * the orders themselves make the announcement once-only.
 */
export function createPaymentRecovery(deps: {
  orders: { announcePaymentAvailable(): Promise<number>; oldestUnannounced(): Promise<Order | undefined> };
  payments: Pick<PaymentGateway, 'answers'>;
  logger: Logger;
  minIntervalMs: number;
  now?: () => number;
}) {
  const now = deps.now ?? Date.now;
  let running: Promise<unknown> | undefined;
  let last = -Infinity;

  const announce = () => {
    last = now();
    running ??= deps.orders
      .announcePaymentAvailable()
      .catch((err) => deps.logger.warn({ err }, 'could not tell deferred customers that payment works again; the next signal retries'))
      .finally(() => (running = undefined));
    return running;
  };

  return {
    /** A charge was answered: payment works. */
    paymentAnswered(): void {
      if (now() - last >= deps.minIntervalMs) void announce();
    },
    /** Probes payment while a deferred order waits for the news. */
    async probe(): Promise<void> {
      const waiting = await deps.orders.oldestUnannounced();
      if (!waiting) return;
      const probe = { orderId: waiting.orderId, customerId: waiting.customerId, amountUnits: waiting.totalUnits, method: waiting.paymentMethod };
      if (await deps.payments.answers(probe)) await announce();
    },
    /** Resolves once an announcement in progress is done (shutdown waits for it). */
    idle: () => Promise.resolve(running),
  };
}
export type PaymentRecovery = ReturnType<typeof createPaymentRecovery>;
