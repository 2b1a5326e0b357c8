import { z } from 'zod';
import { baseConfigSchema, dataConfigSchema, onOff, parseConfig } from '@foodmesh/platform';
import type { Faults } from './domain/faults';

const rate = z.coerce.number().min(0).max(1).default(0);
const count = z.coerce.number().int().min(0).default(0);

export const paymentConfigSchema = baseConfigSchema
  .extend(dataConfigSchema.shape)
  .extend({
    SERVICE_NAME: z.string().min(1).default('payment'),
    GRPC_PORT: z.coerce.number().int().min(0).max(65535).default(50052),
    METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9462),
    /** Serve PaymentAdminService (the fault knob, for the `ops` workload): local and dev only, refused in production. */
    PAYMENT_ADMIN_API: onOff.default(false),
    /** The fault knob's values at start-up (PaymentAdminService.SetFaults changes them at run time). */
    PAYMENT_FAULT_LATENCY_MS: count,
    PAYMENT_FAULT_ERROR_RATE: rate,
    PAYMENT_FAULT_ERROR_CODE: z.coerce.number().int().min(0).max(16).default(0),
    PAYMENT_FAULT_MAX_CONCURRENT: count,
    PAYMENT_FAULT_DECLINE_RATE: rate,
  })
  .superRefine((c, ctx) => {
    if (c.FOODMESH_ENV === 'production' && c.PAYMENT_ADMIN_API) {
      ctx.addIssue({ code: 'custom', path: ['PAYMENT_ADMIN_API'], message: 'must be off when FOODMESH_ENV=production (it injects failures into payments)' });
    }
  });
export type PaymentConfig = z.infer<typeof paymentConfigSchema>;

export const loadConfig = (env: Record<string, string | undefined> = process.env): PaymentConfig => parseConfig(paymentConfigSchema, env);

export const initialFaults = (c: PaymentConfig): Faults => ({
  latencyMs: c.PAYMENT_FAULT_LATENCY_MS,
  errorRate: c.PAYMENT_FAULT_ERROR_RATE,
  errorCode: c.PAYMENT_FAULT_ERROR_CODE,
  maxConcurrent: c.PAYMENT_FAULT_MAX_CONCURRENT,
  declineRate: c.PAYMENT_FAULT_DECLINE_RATE,
});
