import { z } from 'zod';

/**
 * The OpenTelemetry SDK's standard environment, as far as foodmesh uses it, validated with the
 * rest of the config (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/).
 * telemetry.ts builds the tracer provider from these values, not from process.env.
 */
const SAMPLERS = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'] as const;
export type SamplerName = (typeof SAMPLERS)[number];

const httpUrl = z.url({ protocol: /^https?$/ });

/**
 * `OTEL_RESOURCE_ATTRIBUTES`: `key1=value1,key2=value2`, values percent-encoded. A malformed list is
 * an error here (the spec lets an SDK discard it silently, which hides a typo until someone looks for the attribute).
 */
const resourceAttributes = z.string().transform((text, ctx) => {
  const out: Record<string, string> = {};
  for (const pair of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const eq = pair.indexOf('=');
    const key = pair.slice(0, eq).trim();
    if (eq <= 0 || !key) {
      ctx.addIssue({ code: 'custom', message: `"${pair}" is not key=value` });
      return z.NEVER;
    }
    try {
      out[key] = decodeURIComponent(pair.slice(eq + 1).trim());
    } catch {
      ctx.addIssue({ code: 'custom', message: `the value of ${key} is not percent-encoded` });
      return z.NEVER;
    }
  }
  return out;
});

const otlpProtocol = z.literal('http/protobuf', {
  error: 'only "http/protobuf" is supported (the spec\'s default; an OpenTelemetry Collector takes it and speaks gRPC onwards)',
});

export const telemetryConfigSchema = z.object({
  /**
   * Where finished spans go: `otlp` (a collector, Jaeger, Tempo…), `zipkin`, `console` (stdout, for
   * debugging) or `none` (context still propagates). The default is `none`, not the spec's `otlp`:
   * a service with no collector beside it should not log an export failure every few seconds.
   */
  OTEL_TRACES_EXPORTER: z.enum(['none', 'console', 'otlp', 'zipkin']).default('none'),
  /** Overrides SERVICE_NAME as the spans' `service.name`. */
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
  OTEL_RESOURCE_ATTRIBUTES: resourceAttributes.default({}),
  /** The OTLP/HTTP base URL; traces go to `<it>/v1/traces`. */
  OTEL_EXPORTER_OTLP_ENDPOINT: httpUrl.default('http://localhost:4318'),
  /** The full traces URL, used as it is (overrides the base). */
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: httpUrl.optional(),
  OTEL_EXPORTER_OTLP_PROTOCOL: otlpProtocol.optional(),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: otlpProtocol.optional(),
  OTEL_EXPORTER_ZIPKIN_ENDPOINT: httpUrl.default('http://localhost:9411/api/v2/spans'),
  OTEL_TRACES_SAMPLER: z.enum(SAMPLERS).default('parentbased_always_on'),
  /** The ratio of the `*traceidratio` samplers, 0…1. */
  OTEL_TRACES_SAMPLER_ARG: z.coerce.number().min(0).max(1).optional(),
  /** Milliseconds between two exports of the batch span processor. */
  OTEL_BSP_SCHEDULE_DELAY: z.coerce.number().int().positive().default(5000),
});
export type TelemetryConfig = z.infer<typeof telemetryConfigSchema>;

/** The traces URL of the OTLP exporter: the signal-specific variable as it is, else the base plus `/v1/traces`. */
export function otlpTracesUrl(c: Pick<TelemetryConfig, 'OTEL_EXPORTER_OTLP_ENDPOINT' | 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'>): string {
  return c.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? `${c.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`;
}
