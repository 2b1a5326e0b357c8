import path from 'node:path';
import { runService, type Logger, type RunningService } from '@foodmesh/platform';
import { publishPendingMenus } from './app/menu-publication';
import { storeService } from './adapters/grpc/store-handlers';
import { orderEventHandlers } from './adapters/kafka/order-event-handlers';
import { storeQueries } from './adapters/pg/store-queries';
import { pgTransactor } from './adapters/pg/store-repo';
import type { StoreConfig } from './config';

/** services/store/migrations, the same from src/ (tests) and dist/ (built). */
const MIGRATIONS_DIR = path.resolve(__dirname, '../migrations');

/** Starts the store service: its database, menu publication, the order-event consumer and the gRPC API. */
export function startStoreService(config: StoreConfig, opts: { handleSignals?: boolean; logger?: Logger } = {}): Promise<RunningService> {
  return runService({
    config,
    protoFiles: ['foodmesh/store/v1/store.proto'],
    handleSignals: opts.handleSignals,
    logger: opts.logger,
    async build(rt) {
      const pool = await rt.database(MIGRATIONS_DIR);
      const inTx = pgTransactor(pool);
      const published = await publishPendingMenus(inTx);
      if (published) rt.logger.info({ stores: published }, 'menus queued for publication');
      await rt.startOutbox(pool);
      rt.consume({ pool, handlers: orderEventHandlers });
      return [storeService({ queries: storeQueries(pool), inTx })];
    },
  });
}
