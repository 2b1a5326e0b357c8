import { bindService, failedPrecondition, invalidArgument } from '@foodmesh/platform';
import { OpsServiceService, type GetOverviewResponse } from '@foodmesh/proto-gen/foodmesh/edge/v1/ops';
import { callerOf } from './caller';
import { upstream } from './upstream';
import type { Upstreams } from './upstreams';

/**
 * The operations page's API, for operators only: the platform's figures from Prometheus
 * (`overview`, absent where the edge knows no Prometheus) and any order's saga from the
 * order view, whose timeline carries each event's trace id; `traceUrl` turns one into a link.
 */
export const opsService = (deps: { up: Upstreams; overview?: (signal: AbortSignal) => Promise<GetOverviewResponse>; traceUrl?: string }) => {
  const { up } = deps;
  return bindService(OpsServiceService, {
    async getOverview(_req, ctx) {
      callerOf(ctx, 'ops');
      if (!deps.overview) throw failedPrecondition('this edge knows no Prometheus (OPS_PROMETHEUS_URL); locally, start with: npm start -- --observe', 'METRICS_OFF');
      return deps.overview(ctx.signal);
    },
    async getOrderSaga(req, ctx) {
      const me = callerOf(ctx, 'ops');
      const orderId = req.orderId.trim();
      if (!orderId) throw invalidArgument('order_id is required: paste the id of the order to follow');
      const { view } = await upstream(up.orderview.getOrderStatus({ orderId }, me.upstream));
      return { view, traceUrlTemplate: deps.traceUrl ?? '' };
    },
  });
};
