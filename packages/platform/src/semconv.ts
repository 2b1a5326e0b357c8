import type { Attributes } from '@opentelemetry/api';

/**
 * Span names and attributes from the OpenTelemetry semantic conventions, in one place.
 * RPC: the conventions OpenTelemetry's own gRPC instrumentation emits (semconv ≤ 1.37:
 * `rpc.system`, `rpc.service`, `rpc.method`, `rpc.grpc.status_code`; span name
 * `package.Service/Method`). Messaging: the Kafka conventions (`{operation} {destination}`,
 * `messaging.*`). Both are still "development" upstream, so the names are copied here (as
 * @opentelemetry/semantic-conventions advises for its incubating entry point) rather than imported.
 */
export type RpcSystem = 'grpc' | 'connect_rpc';

/** `/foodmesh.order.v1.OrderService/PlaceOrder` → name `foodmesh.order.v1.OrderService/PlaceOrder` + rpc.* attributes. */
export function rpcSpan(path: string, system: RpcSystem = 'grpc'): { name: string; attributes: Attributes } {
  const [service = '', method = ''] = path.replace(/^\//, '').split('/');
  return { name: `${service}/${method}`, attributes: { 'rpc.system': system, 'rpc.service': service, 'rpc.method': method } };
}

/**
 * `server.address`/`server.port` (or `network.peer.*`, `client.*`) from `host:port`, `[v6]:port`
 * or grpc-js's `ipv4:host:port`; the whole address for what it cannot read (e.g. a replica list).
 */
export function addressAttributes(prefix: 'server' | 'client' | 'network.peer', address: string | undefined): Attributes {
  const m = /^(?:ipv[46]:)?\[?([^\],]*?)\]?:(\d+)$/.exec(address ?? '');
  if (!m) return address ? { [`${prefix}.address`]: address } : {};
  return { [`${prefix}.address`]: m[1], [`${prefix}.port`]: Number(m[2]) };
}

/** gRPC status code of a finished call (an int, as the convention has it). */
export const GRPC_STATUS_CODE = 'rpc.grpc.status_code';
/** Connect protocol: the error code as a string (`unavailable`); absent on success. */
export const CONNECT_ERROR_CODE = 'rpc.connect_rpc.error_code';

/**
 * Messaging operations of the outbox and the consumers: `create` (the event is written to the
 * outbox, inside the business transaction: its creation context travels with it), `send` (the
 * relay publishes a batch, linking each event's creation context), `process` (a consumer applies one).
 */
export type MessagingOperation = 'create' | 'send' | 'process';

export function messagingSpan(operation: MessagingOperation, topic: string, attributes: Attributes = {}): { name: string; attributes: Attributes } {
  return {
    name: `${operation} ${topic}`,
    attributes: {
      'messaging.system': 'kafka',
      'messaging.operation.type': operation,
      'messaging.operation.name': operation,
      'messaging.destination.name': topic,
      ...attributes,
    },
  };
}

export const MESSAGING = {
  MESSAGE_ID: 'messaging.message.id',
  KAFKA_KEY: 'messaging.kafka.message.key',
  KAFKA_OFFSET: 'messaging.kafka.offset',
  PARTITION: 'messaging.destination.partition.id',
  CONSUMER_GROUP: 'messaging.consumer.group.name',
  BATCH_COUNT: 'messaging.batch.message_count',
} as const;

/** Our own attributes: the order a span is about (an order's traces in the tracing UI: `foodmesh.order.id=…`), and the event's type. */
export const ORDER_ID = 'foodmesh.order.id';
export const EVENT_TYPE = 'foodmesh.event.type';
