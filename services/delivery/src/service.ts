import path from 'node:path';
import { runService, type Logger, type RunningService } from '@foodmesh/platform';
import { deliveryService } from './adapters/grpc/delivery-handlers';
import { sagaEventHandlers } from './adapters/kafka/saga-event-handlers';
import { deliveryQueries } from './adapters/pg/delivery-queries';
import { pgTransactor } from './adapters/pg/delivery-repo';
import type { DeliveryConfig } from './config';

/** services/delivery/migrations, the same from src/ (tests) and dist/ (built). */
const MIGRATIONS_DIR = path.resolve(__dirname, '../migrations');

/** Starts the delivery service: its database, the store- and order-event consumer and the gRPC API. */
export function startDeliveryService(config: DeliveryConfig, opts: { handleSignals?: boolean; logger?: Logger } = {}): Promise<RunningService> {
  return runService({
    config,
    protoFiles: ['foodmesh/delivery/v1/delivery.proto'],
    handleSignals: opts.handleSignals,
    logger: opts.logger,
    async build(rt) {
      const pool = await rt.database(MIGRATIONS_DIR);
      await rt.startOutbox(pool);
      rt.consume({ pool, handlers: sagaEventHandlers });
      return [deliveryService({ queries: deliveryQueries(pool), inTx: pgTransactor(pool) })];
    },
  });
}
