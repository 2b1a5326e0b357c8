import { failedPrecondition } from '@foodmesh/platform';
import type { GetOrderSagaResponse, GetOverviewResponse } from '@foodmesh/proto-gen/foodmesh/edge/v1/ops';
import { createOpsOverview } from './ops-overview';
import type { Caller, MetricsSource, Upstreams } from './ports';

/**
 * What an operator may ask: the platform's figures from Prometheus (none where the edge knows
 * no Prometheus) and any order's saga from the order view, whose timeline carries each event's
 * trace id; `traceUrl` turns one into a link.
 */
export function opsRequests(deps: { up: Upstreams; metrics?: MetricsSource; traceUrl?: string }) {
  const { up } = deps;
  const overview = deps.metrics && createOpsOverview(deps.metrics);
  return {
    overview: async (signal: AbortSignal): Promise<GetOverviewResponse> => {
      if (!overview) throw failedPrecondition('this edge knows no Prometheus (OPS_PROMETHEUS_URL); locally, start with: npm start -- --observe', 'METRICS_OFF');
      return overview(signal);
    },
    orderSaga: async (me: Caller, orderId: string): Promise<GetOrderSagaResponse> => {
      const { view } = await up.orderview.getOrderStatus({ orderId }, me.upstream);
      return { view, traceUrlTemplate: deps.traceUrl ?? '' };
    },
  };
}
export type OpsRequests = ReturnType<typeof opsRequests>;
