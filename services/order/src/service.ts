import path from 'node:path';
import { runService, type Logger, type RunningService, type ServiceRuntime } from '@foodmesh/platform';
import { PaymentServiceService } from '@foodmesh/proto-gen/foodmesh/payment/v1/payment';
import type { OrderDeps } from './app/order-deps';
import { createPaymentRecovery } from './app/payment-recovery';
import { announcePaymentAvailable, expireUnpaid, oldestUnannounced, settleUnsettled } from './app/sweeps';
import { orderService } from './adapters/grpc/order-handlers';
import { grpcPaymentGateway } from './adapters/grpc/payment-gateway';
import { pgOrderStore, pgTransactor } from './adapters/pg/orders-repo';
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
      // Orders tell recovery when payment answers; recovery asks orders to announce it.
      const recovery = createPaymentRecovery({
        orders: { announcePaymentAvailable: () => announcePaymentAvailable(deps), oldestUnannounced: () => oldestUnannounced(deps) },
        payments,
        logger: rt.logger,
        minIntervalMs: 2_000,
      });
      const deps: OrderDeps = {
        inTx: pgTransactor(pool),
        store: pgOrderStore(pool),
        payments,
        retryAfterSeconds: config.PAY_RETRY_AFTER_SECONDS,
        payWithinMs: config.UNPAID_ORDER_EXPIRY_SECONDS * 1000,
        onPaymentAnswered: recovery.paymentAnswered,
        logger: rt.logger,
        now: () => new Date(),
      };
      rt.onShutdown(recovery.idle);
      rt.consume({ pool, handlers: sagaHandlers(deps) });

      const unsettledAfterMs = config.UNSETTLED_AFTER_SECONDS * 1000;
      repeat(rt, 'unsettled-order sweep', unsettledAfterMs / 2, () => settleUnsettled(deps, unsettledAfterMs));
      // A Pay begun just before an order's pay-by time gets its whole deadline (and some slack for
      // clocks) to land before the order may expire.
      const graceMs = (rt.policy.upstreams.payment?.timeoutMs ?? rt.policy.defaults.timeoutMs) + 2_000;
      repeat(rt, 'unpaid-order expiry', config.UNPAID_SWEEP_SECONDS * 1000, () => expireUnpaid(deps, graceMs));
      repeat(rt, 'payment probe', config.PAYMENT_PROBE_SECONDS * 1000, () => recovery.probe());
      return [orderService(deps)];
    },
  });
}

/** Runs `task` every `everyMs`, one run at a time (a tick skips while one runs); shutdown waits for the run in progress. */
function repeat(rt: ServiceRuntime<OrderConfig>, what: string, everyMs: number, task: () => Promise<unknown>): void {
  let run: Promise<unknown> | undefined;
  const timer = setInterval(() => {
    run ??= task()
      .catch((err) => rt.logger.warn({ err }, `${what} failed; the next one retries`))
      .finally(() => (run = undefined));
  }, everyMs);
  timer.unref();
  // Closers run in reverse: this one, before the pool the task uses is closed.
  rt.onShutdown(async () => {
    clearInterval(timer);
    await run;
  });
}
