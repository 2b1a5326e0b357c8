import { z } from 'zod';
import { baseConfigSchema, dataConfigSchema, parseConfig, upstreamAddress } from '@foodmesh/platform';

export const orderConfigSchema = baseConfigSchema.extend(dataConfigSchema.shape).extend({
  SERVICE_NAME: z.string().min(1).default('order'),
  GRPC_PORT: z.coerce.number().int().min(0).max(65535).default(50051),
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9461),
  /** host:port of the payment service, or its replicas' ip:port,ip:port. */
  PAYMENT_ADDR: upstreamAddress.default('127.0.0.1:50052'),
  /**
   * What a customer whose payment was deferred is told to wait before paying again; also the
   * least age of a deferred order before its customer is told that payment works again.
   */
  PAY_RETRY_AFTER_SECONDS: z.coerce.number().int().positive().default(30),
  /**
   * An order still without a payment outcome this long after it was saved was left by a
   * crash mid-PlaceOrder (a live call gives up within the payment timeout); the sweeper
   * settles it. Sweeps run twice per this period.
   */
  UNSETTLED_AFTER_SECONDS: z.coerce.number().int().positive().default(60),
  /**
   * How long a saved order can be paid (its `pay_by`); an order still unpaid then is CANCELLED
   * (PAYMENT_NOT_COMPLETED) by a sweep that runs every UNPAID_SWEEP_SECONDS, once payment calls
   * begun before `pay_by` have had their deadline (mesh policy) to finish.
   */
  UNPAID_ORDER_EXPIRY_SECONDS: z.coerce
    .number()
    .int()
    .positive()
    .default(15 * 60),
  UNPAID_SWEEP_SECONDS: z.coerce.number().positive().default(10),
  /** While deferred orders wait for the news that payment works again, payment is probed this often. */
  PAYMENT_PROBE_SECONDS: z.coerce.number().positive().default(15),
});
export type OrderConfig = z.infer<typeof orderConfigSchema>;

export const loadConfig = (env: Record<string, string | undefined> = process.env): OrderConfig => parseConfig(orderConfigSchema, env);
