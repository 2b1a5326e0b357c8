import { bindService, invalidArgument } from '@foodmesh/platform';
import { OpsServiceService } from '@foodmesh/proto-gen/foodmesh/edge/v1/ops';
import type { OpsRequests } from '../../app/ops-requests';
import { callerOf } from './caller';

/** The operations page's API: the caller must be an operator. */
export const opsService = (requests: OpsRequests) =>
  bindService(OpsServiceService, {
    async getOverview(_req, ctx) {
      callerOf(ctx, 'ops');
      return requests.overview(ctx.signal);
    },
    async getOrderSaga(req, ctx) {
      const me = callerOf(ctx, 'ops');
      const orderId = req.orderId.trim();
      if (!orderId) throw invalidArgument('order_id is required: paste the id of the order to follow');
      return requests.orderSaga(me, orderId);
    },
  });
