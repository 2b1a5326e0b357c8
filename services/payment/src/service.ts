import path from 'node:path';
import { runService, type Logger, type RunningService } from '@foodmesh/platform';
import { paymentAdminService } from './adapters/grpc/admin-handlers';
import { paymentService } from './adapters/grpc/payment-handlers';
import { refundHandlers } from './adapters/kafka/refund-handlers';
import { pgPaymentQueries, pgTransactor } from './adapters/pg/payment-repo';
import { initialFaults, type PaymentConfig } from './config';
import { FaultInjector } from './domain/faults';

/** The same folder from src/ (tests) and dist/ (built). */
const MIGRATIONS_DIR = path.resolve(__dirname, '../migrations');

export interface PaymentServiceOptions {
  handleSignals?: boolean;
  logger?: Logger;
  /** Where error_rate and decline_rate draw from (tests make it deterministic). */
  random?: () => number;
}

export function startPaymentService(config: PaymentConfig, opts: PaymentServiceOptions = {}): Promise<RunningService> {
  return runService({
    config,
    logger: opts.logger,
    handleSignals: opts.handleSignals,
    protoFiles: ['foodmesh/payment/v1/payment.proto', 'foodmesh/payment/v1/payment_admin.proto'],
    build: async (rt) => {
      const pool = await rt.database(MIGRATIONS_DIR);
      await rt.startOutbox(pool);
      const faults = new FaultInjector(initialFaults(config), opts.random);
      rt.consume({ pool, handlers: refundHandlers(rt.logger) });
      return [
        paymentService({ inTx: pgTransactor(pool), queries: pgPaymentQueries(pool), faults, logger: rt.logger }),
        ...(config.PAYMENT_ADMIN_API ? [paymentAdminService(faults)] : []),
      ];
    },
  });
}
