import { randomUUID } from 'node:crypto';
import { context, propagation, trace, type Context, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { ZipkinExporter } from '@opentelemetry/exporter-zipkin';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
  type Sampler,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { otlpTracesUrl, type SamplerName, type TelemetryConfig } from './telemetry-config';

/**
 * OpenTelemetry tracing. The provider is process-global (OpenTelemetry's API is), so one is
 * registered per process; every service tags its spans through its own tracer. Context travels
 * in gRPC metadata and Kafka headers as W3C `traceparent`, which is what makes one order's
 * trace span every service. Finished spans leave in batches through the exporter the standard
 * environment names (telemetry-config.ts) and are flushed when the service stops.
 */
export type TelemetrySettings = TelemetryConfig & { SERVICE_NAME: string; SERVICE_VERSION: string };

let provider: NodeTracerProvider | undefined;
/** Whether the provider came from settings (a service) or from a bare getTracer (no exporter). */
let configured = false;
/** Services of this process using the provider; the last one to stop shuts it down. */
let users = 0;

export function samplerOf(name: SamplerName, ratio = 1): Sampler {
  const root: Record<SamplerName, () => Sampler> = {
    always_on: () => new AlwaysOnSampler(),
    always_off: () => new AlwaysOffSampler(),
    traceidratio: () => new TraceIdRatioBasedSampler(ratio),
    parentbased_always_on: () => new ParentBasedSampler({ root: new AlwaysOnSampler() }),
    parentbased_always_off: () => new ParentBasedSampler({ root: new AlwaysOffSampler() }),
    parentbased_traceidratio: () => new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) }),
  };
  return root[name]();
}

/** The span processor for the configured exporter: batched, except `console` (printed as spans end). */
export function spanProcessorOf(s: TelemetrySettings): SpanProcessor | undefined {
  const batch = (exporter: SpanExporter) => new BatchSpanProcessor(exporter, { scheduledDelayMillis: s.OTEL_BSP_SCHEDULE_DELAY });
  switch (s.OTEL_TRACES_EXPORTER) {
    case 'otlp':
      return batch(new OTLPTraceExporter({ url: otlpTracesUrl(s) }));
    case 'zipkin':
      return batch(new ZipkinExporter({ url: s.OTEL_EXPORTER_ZIPKIN_ENDPOINT }));
    case 'console':
      return new SimpleSpanProcessor(new ConsoleSpanExporter());
    case 'none':
      return undefined;
  }
}

/** `service.name` (OTEL_SERVICE_NAME, else the resource attributes', else SERVICE_NAME), version, namespace, instance. */
export function resourceAttributesOf(s: TelemetrySettings): Record<string, string> {
  const attrs = s.OTEL_RESOURCE_ATTRIBUTES;
  return {
    'service.namespace': 'foodmesh',
    'service.instance.id': randomUUID(),
    ...attrs,
    [ATTR_SERVICE_NAME]: s.OTEL_SERVICE_NAME ?? attrs[ATTR_SERVICE_NAME] ?? s.SERVICE_NAME,
    [ATTR_SERVICE_VERSION]: attrs[ATTR_SERVICE_VERSION] ?? s.SERVICE_VERSION,
  };
}

function register(p: NodeTracerProvider): void {
  provider = p;
  p.register({ propagator: new W3CTraceContextPropagator() });
}

/** Drops the global registration, so that a later service of this process can register its own. */
function unregister(): void {
  trace.disable();
  propagation.disable();
  context.disable();
  provider = undefined;
  configured = false;
}

/**
 * Registers the process's tracer provider for a service (each call must be paired with
 * shutdownTelemetry). The first service's settings win; a provider made earlier by a bare
 * getTracer (exporting nothing) gives way to it. `spanExporter` (tests) replaces the exporter.
 */
export async function initTelemetry(opts: { settings?: TelemetrySettings; spanExporter?: SpanExporter }): Promise<void> {
  users += 1;
  if (provider && configured) return;
  if (provider) {
    await provider.shutdown();
    unregister();
  }
  const processor = opts.spanExporter ? new SimpleSpanProcessor(opts.spanExporter) : opts.settings && spanProcessorOf(opts.settings);
  register(
    new NodeTracerProvider({
      resource: opts.settings && resourceFromAttributes(resourceAttributesOf(opts.settings)),
      sampler: opts.settings && samplerOf(opts.settings.OTEL_TRACES_SAMPLER, opts.settings.OTEL_TRACES_SAMPLER_ARG),
      spanProcessors: processor ? [processor] : [],
    }),
  );
  configured = true;
}

/** A service stops: its spans are flushed; the last service of the process shuts the provider down. */
export async function shutdownTelemetry(): Promise<void> {
  users = Math.max(0, users - 1);
  if (!provider) return;
  if (users > 0) {
    await provider.forceFlush();
    return;
  }
  const p = provider;
  unregister();
  await p.shutdown();
}

/** Code outside a service (tools, tests) gets a provider that propagates context and exports nothing. */
function ensureProvider(): void {
  if (!provider) register(new NodeTracerProvider());
}

export function getTracer(serviceName: string): Tracer {
  ensureProvider();
  return trace.getTracer(serviceName);
}

/** Serialises the active (or given) trace context into a string map. */
export function injectTraceContext(ctx: Context = context.active()): Record<string, string> {
  ensureProvider();
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return carrier;
}

/** Rebuilds a trace context from a string map (gRPC metadata, Kafka headers, envelope). */
export function extractTraceContext(carrier: Record<string, string | undefined>): Context {
  ensureProvider();
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(carrier)) if (typeof v === 'string') clean[k] = v;
  return propagation.extract(context.active(), clean);
}
