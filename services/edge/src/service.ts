import path from 'node:path';
import { keySetOf, runService, type Logger, type PrivateJwk, type RunningService, type ServiceDef } from '@foodmesh/platform';
import { DeliveryServiceService } from '@foodmesh/proto-gen/foodmesh/delivery/v1/delivery';
import { NotificationServiceService } from '@foodmesh/proto-gen/foodmesh/notification/v1/notification';
import { OrderServiceService } from '@foodmesh/proto-gen/foodmesh/order/v1/order';
import { OrderViewServiceService } from '@foodmesh/proto-gen/foodmesh/orderview/v1/orderview';
import { PaymentServiceService } from '@foodmesh/proto-gen/foodmesh/payment/v1/payment';
import { StoreServiceService } from '@foodmesh/proto-gen/foodmesh/store/v1/store';
import { authService } from './adapters/grpc/auth-handlers';
import { customerService } from './adapters/grpc/customer-handlers';
import { notificationsService } from './adapters/grpc/notifications-handlers';
import { opsService } from './adapters/grpc/ops-handlers';
import { ownerService } from './adapters/grpc/owner-handlers';
import { riderService } from './adapters/grpc/rider-handlers';
import { translated } from './adapters/grpc/upstreams';
import { connectRoutes } from './adapters/http/connect-routes';
import { prometheusSource } from './adapters/http/prometheus';
import { startWebServer, type WebServer } from './adapters/http/web-server';
import { customerRequests } from './app/customer-requests';
import { createDemoSignIn } from './app/demo-sign-in';
import { notificationRequests } from './app/notification-requests';
import { opsRequests } from './app/ops-requests';
import { createOrderGuard } from './app/order-guard';
import { ownerRequests } from './app/owner-requests';
import type { Upstreams } from './app/ports';
import { riderRequests } from './app/rider-requests';
import type { EdgeConfig } from './config';
import { AuthService } from './gen/foodmesh/edge/v1/auth_pb';
import { CustomerService } from './gen/foodmesh/edge/v1/customer_pb';
import { NotificationsService } from './gen/foodmesh/edge/v1/notifications_pb';
import { OpsService } from './gen/foodmesh/edge/v1/ops_pb';
import { OwnerService } from './gen/foodmesh/edge/v1/owner_pb';
import { RiderService } from './gen/foodmesh/edge/v1/rider_pb';

/** The built web app (Vite writes it here), the same from src/ (tests) and dist/ (built). */
export const DEFAULT_WEB_ROOT = path.resolve(__dirname, '../dist/web');

export interface RunningEdge extends RunningService {
  /** The browser's port: gRPC-web, Connect and the web app. */
  httpPort: number;
}

/**
 * Starts the edge: the public API written once as platform handlers, served as
 * gRPC on the gRPC port (health, reflection, metrics, graceful shutdown) and as
 * gRPC-web + Connect with the web app on the HTTP port.
 */
export async function startEdgeService(config: EdgeConfig, opts: { handleSignals?: boolean; logger?: Logger } = {}): Promise<RunningEdge> {
  let web: WebServer | undefined;
  const running = await runService({
    config,
    protoFiles: [
      'foodmesh/edge/v1/auth.proto',
      'foodmesh/edge/v1/customer.proto',
      'foodmesh/edge/v1/owner.proto',
      'foodmesh/edge/v1/rider.proto',
      'foodmesh/edge/v1/notifications.proto',
      'foodmesh/edge/v1/ops.proto',
    ],
    handleSignals: opts.handleSignals,
    logger: opts.logger,
    async build(rt) {
      // Every upstream's failures translated for the browser (adapters/grpc/upstreams.ts).
      const client = <D extends ServiceDef>(def: D, upstream: string, address: string) => translated(def, rt.client(def, upstream, address));
      const up: Upstreams = {
        order: client(OrderServiceService, 'order', config.ORDER_ADDR),
        store: client(StoreServiceService, 'store', config.STORE_ADDR),
        delivery: client(DeliveryServiceService, 'delivery', config.DELIVERY_ADDR),
        orderview: client(OrderViewServiceService, 'orderview', config.ORDERVIEW_ADDR),
        notification: client(NotificationServiceService, 'notification', config.NOTIFICATION_ADDR),
        payment: client(PaymentServiceService, 'payment', config.PAYMENT_ADDR),
      };
      const demoKey = config.DEMO_SIGN_IN ? (config.DEMO_SIGNING_KEY as PrivateJwk) : undefined;
      const demo = createDemoSignIn({ key: demoKey, issuer: config.AUTH_ISSUER, audience: config.AUTH_AUDIENCE, ttlSeconds: config.EDGE_TOKEN_TTL_SECONDS });
      const guard = createOrderGuard(up);
      const services = {
        auth: authService(demo),
        customer: customerService(customerRequests({ up, guard })),
        owner: ownerService(ownerRequests({ up, guard })),
        rider: riderService(riderRequests({ up })),
        notifications: notificationsService(notificationRequests({ up })),
        ops: opsService(
          opsRequests({ up, metrics: config.OPS_PROMETHEUS_URL ? prometheusSource(config.OPS_PROMETHEUS_URL) : undefined, traceUrl: config.OPS_TRACE_URL }),
        ),
      };

      web = await startWebServer({
        host: config.GRPC_HOST,
        port: config.HTTP_PORT,
        webRoot: config.WEB_ROOT ?? DEFAULT_WEB_ROOT,
        allowedOrigins: config.WEB_ORIGINS,
        // The demo sign-in's key set, for whoever verifies its tokens by URL (the rotation's keys included).
        jwks: demoKey && (config.AUTH_JWKS ?? keySetOf(demoKey)),
        logger: rt.logger,
        readMaxBytes: config.GRPC_MAX_RECEIVE_BYTES,
        routes: connectRoutes({
          service: config.SERVICE_NAME,
          logger: rt.logger,
          metrics: rt.metrics,
          requestLogOkPerSecond: config.REQUEST_LOG_OK_PER_SECOND,
          // The same handlers behind the same caller identity as on the gRPC port.
          services: [
            { desc: AuthService, registration: rt.authenticated(services.auth) },
            { desc: CustomerService, registration: rt.authenticated(services.customer) },
            { desc: OwnerService, registration: rt.authenticated(services.owner) },
            { desc: RiderService, registration: rt.authenticated(services.rider) },
            { desc: NotificationsService, registration: rt.authenticated(services.notifications) },
            { desc: OpsService, registration: rt.authenticated(services.ops) },
          ],
        }),
      });
      const server = web;
      rt.onShutdown(() => server.close(config.SHUTDOWN_GRACE_MS));
      return Object.values(services);
    },
  });
  return { ...running, httpPort: web!.port, ports: { ...running.ports, http: web!.port } };
}
