import { bindService } from '@foodmesh/platform';
import { OrderViewAdminServiceService } from '@foodmesh/proto-gen/foodmesh/orderview/v1/orderview_admin';

export interface ViewAdmin {
  rebuild(signal: AbortSignal): Promise<{ eventsReplayed: number; orderCount: number }>;
  lag(): Promise<{ consumerLagMessages: number; newestAppliedEventAgeMs: number; lastAppliedAt: Date | undefined }>;
}

/** Operators' and tests' service; the mesh keeps it away from the edge. */
export function orderViewAdminService(admin: ViewAdmin) {
  return bindService(OrderViewAdminServiceService, {
    rebuildView: (_req, ctx) => admin.rebuild(ctx.signal),
    getViewLag: () => admin.lag(),
  });
}
