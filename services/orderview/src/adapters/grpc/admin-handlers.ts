import { bindService, requireService } from '@foodmesh/platform';
import { OrderViewAdminServiceService } from '@foodmesh/proto-gen/foodmesh/orderview/v1/orderview_admin';

export interface ViewAdmin {
  rebuild(signal: AbortSignal): Promise<{ eventsReplayed: number; orderCount: number; ordersKept: number }>;
  lag(): Promise<{ consumerLagMessages: number; newestAppliedEventAgeMs: number; lastAppliedAt: Date | undefined }>;
}

/** Operators' service: only the `ops` workload (in the mesh, also its AuthorizationPolicy). */
export function orderViewAdminService(admin: ViewAdmin) {
  return bindService(OrderViewAdminServiceService, {
    async rebuildView(_req, ctx) {
      requireService(ctx, 'ops');
      const r = await admin.rebuild(ctx.signal);
      return { eventsReplayed: r.eventsReplayed, orderCount: r.orderCount, ordersKeptFromLiveView: r.ordersKept };
    },
    async getViewLag(_req, ctx) {
      requireService(ctx, 'ops');
      return admin.lag();
    },
  });
}
