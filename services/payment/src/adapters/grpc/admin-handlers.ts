import { bindService, requireService } from '@foodmesh/platform';
import { Faults, PaymentAdminServiceService } from '@foodmesh/proto-gen/foodmesh/payment/v1/payment_admin';
import type { FaultInjector } from '../../domain/faults';

/** The fault knob: served only when PAYMENT_ADMIN_API is on, and only to the `ops` workload. */
export const paymentAdminService = (faults: FaultInjector) =>
  bindService(PaymentAdminServiceService, {
    async setFaults(req, ctx) {
      requireService(ctx, 'ops');
      return { faults: Faults.fromPartial(faults.set(Faults.fromPartial(req.faults ?? {}))) };
    },
    async getFaults(_req, ctx) {
      requireService(ctx, 'ops');
      return { faults: Faults.fromPartial(faults.get()) };
    },
  });
