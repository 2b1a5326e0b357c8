import { bindService, requireService } from '@foodmesh/platform';
import { OrderViewAdminServiceService } from '@foodmesh/proto-gen/foodmesh/orderview/v1/orderview_admin';

export interface ViewAdmin {
  rebuild(signal: AbortSignal): Promise<{ eventsReplayed: number; orderCount: number }>;
  lag(): Promise<{ consumerLagMessages: number; newestAppliedEventAgeMs: number; lastAppliedAt: Date | undefined }>;
}

/** Operators' service: only the `ops` workload (in the mesh, also its AuthorizationPolicy). */
export function orderViewAdminService(admin: ViewAdmin) {
  return bindService(OrderViewAdminServiceService, {
    async rebuildView(_req, ctx) {
      requireService(ctx, 'ops');
      return admin.rebuild(ctx.signal);
    },
    async getViewLag(_req, ctx) {
      requireService(ctx, 'ops');
      return admin.lag();
    },
  });
}
