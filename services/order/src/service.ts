import path from 'node:path';
import { runService, topicOf, type Logger, type RunningService, type ServiceRuntime } from '@foodmesh/platform';
import { PaymentServiceService } from '@foodmesh/proto-gen/foodmesh/payment/v1/payment';
import { createOrders, type Orders } from './app/orders';
import { orderService } from './adapters/grpc/order-handlers';
import { grpcPaymentGateway } from './adapters/grpc/payment-gateway';
import { sagaHandlers } from './adapters/kafka/saga-handlers';
import type { OrderConfig } from './config';

/** The same folder from src/ (tests) and dist/ (built). */
const MIGRATIONS_DIR = path.resolve(__dirname, '../migrations');

export interface OrderServiceOptions {
  handleSignals?: boolean;
  logger?: Logger;
}

export function startOrderService(config: OrderConfig, opts: OrderServiceOptions = {}): Promise<RunningService> {
  return runService({
    config,
    logger: opts.logger,
    handleSignals: opts.handleSignals,
    protoFiles: ['foodmesh/order/v1/order.proto'],
    build: async (rt) => {
      const pool = await rt.database(MIGRATIONS_DIR);
      await rt.startOutbox(pool);
      // rt.client applies mesh/policy.yaml: deadline, retries of Pay, breaker, concurrency cap.
      const payments = grpcPaymentGateway(rt.client(PaymentServiceService, 'payment', config.PAYMENT_ADDR), rt.logger, rt.metrics);
      const orders = createOrders({
        pool,
        payments,
        producer: config.SERVICE_NAME,
        retryAfterSeconds: config.PAY_RETRY_AFTER_SECONDS,
        logger: rt.logger,
      });
      rt.consume({ pool, topics: [topicOf('store'), topicOf('payment'), topicOf('delivery')], handlers: sagaHandlers(orders) });
      sweepUnsettled(orders, config.UNSETTLED_AFTER_SECONDS * 1000, rt);
      return [orderService(orders)];
    },
  });
}

/** Every half period, settles the orders a crash left without a payment outcome (one sweep at a time). */
function sweepUnsettled(orders: Orders, afterMs: number, rt: ServiceRuntime<OrderConfig>): void {
  // The sweep in progress, if any: the next tick skips while it runs, and shutdown waits for it.
  let sweep: Promise<unknown> | undefined;
  const timer = setInterval(() => {
    sweep ??= orders
      .settleUnsettled(afterMs)
      .catch((err) => rt.logger.warn({ err }, 'unsettled-order sweep failed; the next one retries'))
      .finally(() => (sweep = undefined));
  }, afterMs / 2);
  timer.unref();
  // Closers run in reverse: this one, before the pool the sweep uses is closed.
  rt.onShutdown(async () => {
    clearInterval(timer);
    await sweep;
  });
}
