import { context, propagation, trace, type Context, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ConsoleSpanExporter, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';

/**
 * OpenTelemetry tracing. The provider is process-global (OpenTelemetry's API is),
 * so it is registered once; every service tags its spans through its own tracer.
 * Context travels in gRPC metadata and Kafka headers as W3C `traceparent`, which
 * is what makes one order's trace span every service.
 */
let provider: NodeTracerProvider | undefined;

export function initTelemetry(opts: { exporter?: 'none' | 'console'; spanExporter?: SpanExporter } = {}): void {
  if (provider) return;
  const spanProcessors = [];
  if (opts.spanExporter) spanProcessors.push(new SimpleSpanProcessor(opts.spanExporter));
  else if (opts.exporter === 'console') spanProcessors.push(new SimpleSpanProcessor(new ConsoleSpanExporter()));
  provider = new NodeTracerProvider({ spanProcessors });
  provider.register({ propagator: new W3CTraceContextPropagator() });
}

export function getTracer(serviceName: string): Tracer {
  initTelemetry();
  return trace.getTracer(serviceName);
}

/** Serialises the active (or given) trace context into a string map. */
export function injectTraceContext(ctx: Context = context.active()): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return carrier;
}

/** Rebuilds a trace context from a string map (gRPC metadata, Kafka headers, envelope). */
export function extractTraceContext(carrier: Record<string, string | undefined>): Context {
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(carrier)) if (typeof v === 'string') clean[k] = v;
  return propagation.extract(context.active(), clean);
}

/** The trace id of the active span, for logs ("" when none). */
export function activeTraceId(): string {
  return trace.getActiveSpan()?.spanContext().traceId ?? '';
}

export async function shutdownTelemetry(): Promise<void> {
  await provider?.shutdown();
  provider = undefined;
}
