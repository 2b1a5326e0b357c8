import path from 'node:path';
import { Gauge, Histogram } from 'prom-client';
import { PROJECTION_EVENTS_PER_TRANSACTION, runService, startNotifyHub, topicsOf, type Logger, type RunningService } from '@foodmesh/platform';
import { createOrderQueries } from './app/order-queries';
import { createProjector } from './app/projector';
import { createRebuild } from './app/rebuild';
import { orderViewAdminService } from './adapters/grpc/admin-handlers';
import { orderViewService } from './adapters/grpc/orderview-handlers';
import { groupLag } from './adapters/kafka/offsets';
import { projectionHandlers } from './adapters/kafka/projection-handlers';
import { replayer } from './adapters/kafka/replay';
import { createRebuildTables, createViewRepo, REBUILD_TABLE, VIEW_CHANGED_CHANNEL } from './adapters/pg/view-repo';
import type { OrderViewConfig } from './config';

/** The same folder from src/ (tests) and dist/ (built). */
const MIGRATIONS_DIR = path.resolve(__dirname, '../migrations');

export interface OrderViewServiceOptions {
  handleSignals?: boolean;
  logger?: Logger;
}

export function startOrderViewService(config: OrderViewConfig, opts: OrderViewServiceOptions = {}): Promise<RunningService> {
  return runService({
    config,
    logger: opts.logger,
    handleSignals: opts.handleSignals,
    protoFiles: ['foodmesh/orderview/v1/orderview.proto', 'foodmesh/orderview/v1/orderview_admin.proto'],
    build: async (rt) => {
      const consumer = config.SERVICE_NAME;
      const pool = await rt.database(MIGRATIONS_DIR);
      const views = createViewRepo(pool);
      const lagHistogram = new Histogram({
        name: 'orderview_event_to_view_lag_seconds',
        help: "Time from an event's occurred_at to its change in the view (live consumption, not rebuilds)",
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
        registers: [rt.metrics.registry],
      });

      const watches = new Gauge({ name: 'orderview_active_watches', help: 'WatchOrderStatus streams open in this process', registers: [rt.metrics.registry] });

      // One LISTEN connection for every watcher of this process.
      const hub = await startNotifyHub({
        connectionString: config.DATABASE_URL,
        channels: [VIEW_CHANGED_CHANNEL],
        logger: rt.logger,
        applicationName: `${consumer}-watch`,
      });
      rt.onShutdown(() => hub.close());

      const live = createProjector({ views, observeLag: (s) => lagHistogram.observe(s) });
      const handlers = projectionHandlers(live);
      rt.consume({ pool, handlers, eventsPerTransaction: PROJECTION_EVENTS_PER_TRANSACTION });
      const topics = topicsOf(handlers);

      const kafka = await rt.kafka(topics);
      // A rebuild fills a table of its own through the same projection, with an inbox of its own, then swaps.
      const rebuilt = createViewRepo(pool, REBUILD_TABLE);
      const inbox = `${consumer}-rebuild`;
      const replay = replayer({
        kafka,
        namespace: config.KAFKA_NAMESPACE,
        pool,
        logger: rt.logger,
        consumer,
        inbox,
        handlers: projectionHandlers(createProjector({ views: rebuilt })),
      });
      const rebuild = createRebuild({ pool, live: views, rebuilt, tables: createRebuildTables(pool, inbox), replay });

      const queries = createOrderQueries({
        views,
        changes: {
          subscribe(orderId, fn) {
            const unsubscribe = hub.subscribe(VIEW_CHANGED_CHANNEL, () => fn(), orderId);
            watches.inc();
            return () => {
              unsubscribe();
              watches.dec();
            };
          },
        },
        unknownOrderWaitMs: config.ORDERVIEW_WATCH_UNKNOWN_WAIT_MS,
      });

      return [
        orderViewService(queries),
        orderViewAdminService({
          rebuild,
          async lag() {
            const [consumerLagMessages, fresh] = await Promise.all([
              groupLag(kafka, `${config.KAFKA_NAMESPACE}${consumer}`, topics.map(kafka.topic)),
              views.freshness(),
            ]);
            return {
              consumerLagMessages,
              newestAppliedEventAgeMs: fresh.newestOccurredAt ? Math.max(0, Date.now() - fresh.newestOccurredAt.getTime()) : 0,
              lastAppliedAt: fresh.lastAppliedAt,
            };
          },
        }),
      ];
    },
  });
}
