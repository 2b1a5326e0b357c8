import { bindService } from '@foodmesh/platform';
import { Faults, PaymentAdminServiceService } from '@foodmesh/proto-gen/foodmesh/payment/v1/payment_admin';
import type { FaultInjector } from '../../domain/faults';

export const paymentAdminService = (faults: FaultInjector) =>
  bindService(PaymentAdminServiceService, {
    async setFaults(req) {
      return { faults: Faults.fromPartial(faults.set(Faults.fromPartial(req.faults ?? {}))) };
    },
    async getFaults() {
      return { faults: Faults.fromPartial(faults.get()) };
    },
  });
