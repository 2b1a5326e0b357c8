import { BatchSpanProcessor, ParentBasedSampler, SimpleSpanProcessor, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base';
import { ConfigError, parseConfig } from './config';
import { addressAttributes, messagingSpan, rpcSpan } from './semconv';
import { resourceAttributesOf, samplerOf, spanProcessorOf, type TelemetrySettings } from './telemetry';
import { otlpTracesUrl, telemetryConfigSchema } from './telemetry-config';

const settings = (env: Record<string, string> = {}): TelemetrySettings => ({
  ...parseConfig(telemetryConfigSchema, env),
  SERVICE_NAME: 'order',
  SERVICE_VERSION: '1.2.3',
});
const problemsOf = (env: Record<string, string>) => {
  try {
    parseConfig(telemetryConfigSchema, env);
    return [];
  } catch (err) {
    return (err as ConfigError).problems;
  }
};

describe('telemetry from the standard OTEL_* environment', () => {
  it('exports nothing unless asked, and batches what it exports', async () => {
    expect(spanProcessorOf(settings())).toBeUndefined();
    const otlp = spanProcessorOf(settings({ OTEL_TRACES_EXPORTER: 'otlp' }));
    const zipkin = spanProcessorOf(settings({ OTEL_TRACES_EXPORTER: 'zipkin' }));
    expect([otlp, zipkin].every((p) => p instanceof BatchSpanProcessor)).toBe(true);
    expect(spanProcessorOf(settings({ OTEL_TRACES_EXPORTER: 'console' }))).toBeInstanceOf(SimpleSpanProcessor);
    await Promise.all([otlp!.shutdown(), zipkin!.shutdown()]);
  });

  it('sends OTLP traces to the signal endpoint as given, else to the base endpoint plus /v1/traces', () => {
    expect(otlpTracesUrl(settings())).toBe('http://localhost:4318/v1/traces');
    expect(otlpTracesUrl(settings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }))).toBe('http://collector:4318/v1/traces');
    expect(otlpTracesUrl(settings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:1', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://b:2/traces' }))).toBe(
      'http://b:2/traces',
    );
  });

  it('builds the sampler the variables name, parent-based by default', () => {
    const s = settings();
    expect(samplerOf(s.OTEL_TRACES_SAMPLER, s.OTEL_TRACES_SAMPLER_ARG)).toBeInstanceOf(ParentBasedSampler);
    const ratio = settings({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' });
    const sampler = samplerOf(ratio.OTEL_TRACES_SAMPLER, ratio.OTEL_TRACES_SAMPLER_ARG);
    expect(sampler).toBeInstanceOf(TraceIdRatioBasedSampler);
    expect(sampler.toString()).toBe('TraceIdRatioBased{0.25}');
  });

  it('names the service: OTEL_SERVICE_NAME, then the resource attributes, then SERVICE_NAME', () => {
    const plain = resourceAttributesOf(settings({ OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=dev,team=food%20mesh' }));
    expect(plain).toMatchObject({
      'service.name': 'order',
      'service.version': '1.2.3',
      'service.namespace': 'foodmesh',
      'deployment.environment.name': 'dev',
      team: 'food mesh',
    });
    expect(plain['service.instance.id']).toMatch(/^[\da-f-]{36}$/);
    expect(resourceAttributesOf(settings({ OTEL_RESOURCE_ATTRIBUTES: 'service.name=orders' }))['service.name']).toBe('orders');
    expect(resourceAttributesOf(settings({ OTEL_RESOURCE_ATTRIBUTES: 'service.name=orders', OTEL_SERVICE_NAME: 'o2' }))['service.name']).toBe('o2');
  });

  it('refuses what it cannot honour, naming the variable', () => {
    expect(
      problemsOf({
        OTEL_TRACES_EXPORTER: 'jaeger',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
        OTEL_TRACES_SAMPLER_ARG: '2',
        OTEL_RESOURCE_ATTRIBUTES: 'a=1,oops',
        OTEL_EXPORTER_ZIPKIN_ENDPOINT: 'zipkin:9411',
      }),
    ).toEqual([
      'OTEL_TRACES_EXPORTER: Invalid option: expected one of "none"|"console"|"otlp"|"zipkin"',
      'OTEL_RESOURCE_ATTRIBUTES: "oops" is not key=value',
      'OTEL_EXPORTER_OTLP_PROTOCOL: only "http/protobuf" is supported (the spec\'s default; an OpenTelemetry Collector takes it and speaks gRPC onwards)',
      'OTEL_EXPORTER_ZIPKIN_ENDPOINT: Invalid URL',
      'OTEL_TRACES_SAMPLER_ARG: Too big: expected number to be <=1',
    ]);
  });
});

describe('semantic-convention span names and attributes', () => {
  it('names an RPC span package.Service/Method', () => {
    expect(rpcSpan('/foodmesh.order.v1.OrderService/PlaceOrder')).toEqual({
      name: 'foodmesh.order.v1.OrderService/PlaceOrder',
      attributes: { 'rpc.system': 'grpc', 'rpc.service': 'foodmesh.order.v1.OrderService', 'rpc.method': 'PlaceOrder' },
    });
    expect(rpcSpan('/foodmesh.edge.v1.AuthService/SignIn', 'connect_rpc').attributes['rpc.system']).toBe('connect_rpc');
  });

  it('reads host and port from the address forms gRPC uses', () => {
    expect(addressAttributes('server', 'payment:50051')).toEqual({ 'server.address': 'payment', 'server.port': 50051 });
    expect(addressAttributes('network.peer', 'ipv4:127.0.0.1:40312')).toEqual({ 'network.peer.address': '127.0.0.1', 'network.peer.port': 40312 });
    expect(addressAttributes('network.peer', '[::1]:40312')).toEqual({ 'network.peer.address': '::1', 'network.peer.port': 40312 });
    expect(addressAttributes('server', 'localhost')).toEqual({ 'server.address': 'localhost' });
    // A replica list (upstream-address.ts) has no one host and port: it stays whole.
    expect(addressAttributes('server', '127.0.0.1:5001,127.0.0.1:5002')).toEqual({ 'server.address': '127.0.0.1:5001,127.0.0.1:5002' });
    expect(addressAttributes('server', undefined)).toEqual({});
  });

  it('names a messaging span by operation and topic', () => {
    expect(messagingSpan('process', 'order.events', { 'messaging.message.id': 'e1' })).toEqual({
      name: 'process order.events',
      attributes: {
        'messaging.system': 'kafka',
        'messaging.operation.type': 'process',
        'messaging.operation.name': 'process',
        'messaging.destination.name': 'order.events',
        'messaging.message.id': 'e1',
      },
    });
  });
});
