import { Kafka, logLevel, Partitioners, type Consumer, type Producer } from 'kafkajs';
import { fixKafkajsRequestQueue } from './kafkajs-request-queue';
import type { Logger } from './logger';

fixKafkajsRequestQueue();

/**
 * Our messaging port. Services and the outbox/consumer machinery depend on these
 * small interfaces; kafkajs is one adapter behind them.
 */
export interface OutgoingMessage {
  topic: string;
  key: string;
  value: Buffer;
  headers: Record<string, string>;
}

export interface MessagePublisher {
  /**
   * Publishes in order (topics are logical names; the connection's namespace is added); resolves
   * once all in-sync replicas have them. Rejects with MessagesRejected when the broker refuses the
   * messages for good (too large, invalid): sending them again can never work.
   */
  publish(messages: OutgoingMessage[]): Promise<void>;
  /** The largest message (record batch) the broker and topics accept: KAFKA_MAX_MESSAGE_BYTES. */
  readonly maxMessageBytes: number;
  close(): Promise<void>;
}

/** The broker refused messages for good: the same bytes will be refused again. */
export class MessagesRejected extends Error {
  constructor(readonly reason: string) {
    super(`Kafka refused the messages for good: ${reason}`);
    this.name = 'MessagesRejected';
  }
}

/** Broker errors that no retry can fix: they are about the messages themselves. */
const REJECTION_TYPES = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD', 'CORRUPT_MESSAGE']);

/** The broker's refusal type in a kafkajs error (its causes included), if it is one of REJECTION_TYPES. */
export function rejectionOf(err: unknown): string | undefined {
  for (let e = err as { type?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.type === 'string' && REJECTION_TYPES.has(e.type)) return e.type;
  }
  return undefined;
}

/**
 * 1 MiB: Kafka's default for a message (record batch), set on purpose on the broker
 * (`message.max.bytes`), every topic (`max.message.bytes`) and the relay, which publishes in
 * batches that fit and sets aside a single event above it.
 */
export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;

export interface KafkaConnection {
  kafka: Kafka;
  /** The real topic name: the namespace prefix (e.g. per test run or environment) + `name`. */
  topic(name: string): string;
  /** Creates missing topics (idempotent, safe when several clients race) with the given topic configs; needs CREATE (an admin). */
  ensureTopics(topics: string[], partitions: number, configs?: Record<string, string>): Promise<void>;
  /**
   * Waits until the topics exist and every partition has a leader: services never create topics
   * (in Kubernetes they are KafkaTopic resources; locally the stack's admin creates them).
   */
  waitForTopics(topics: string[], timeoutMs?: number): Promise<void>;
  createPublisher(): Promise<MessagePublisher>;
  createConsumer(groupId: string): Consumer;
  /** How often a consumer commits the offsets it has handled (offset-commits.ts). */
  readonly commitIntervalMs: number;
  close(): Promise<void>;
}

/**
 * 6 s: the least a broker accepts by default (`group.min.session.timeout.ms`), so a crashed member's
 * partitions move on (and its restart joins) within seconds instead of kafkajs's 30 s.
 */
export const DEFAULT_SESSION_TIMEOUT_MS = 6_000;

const LEVEL: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** How a client proves itself to the brokers: SASL/SCRAM as its own user, over TLS or not. */
export interface KafkaSecurity {
  sasl?: { mechanism: 'scram-sha-512'; username: string; password: string };
  /** TLS, trusting `ca` (PEM) or, without it, the system's CAs. */
  tls?: { ca?: string };
}

/**
 * `namespace` prefixes every topic and consumer group, so several environments
 * (or concurrent test runs) can share one cluster without seeing each other.
 */
/**
 * How long the broker holds a consumer's fetch when nothing is new. Data still returns at once; this
 * bounds how often an idle consumer asks (each ask costs the broker and us) and how long a consumer's
 * stop waits for the fetch in flight. 500 ms: idle broker 5.6% of a core, services stop in 0.7 s;
 * 2 s: 4.6%, 1.4 s; 5 s: 3.9%, 3.8 s (docs/performance.md). Keep it well under the session
 * timeout: an idle consumer heartbeats from its fetch loop, so once per fetch wait.
 */
export const DEFAULT_FETCH_MAX_WAIT_MS = 2000;

/**
 * How often a consumer commits its offsets: once a second in all instead of once per batch (under
 * load a batch of one or two events, so an OffsetCommit per event: the broker's largest request
 * stream). A crash re-delivers at most this long's events, which the inbox drops.
 */
export const DEFAULT_COMMIT_INTERVAL_MS = 1000;

export function connectKafka(opts: {
  brokers: string[];
  clientId: string;
  logger: Logger;
  namespace?: string;
  sessionTimeoutMs?: number;
  fetchMaxWaitMs?: number;
  commitIntervalMs?: number;
  maxMessageBytes?: number;
  security?: KafkaSecurity;
}): KafkaConnection {
  const ns = opts.namespace ?? '';
  const sessionTimeout = opts.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS;
  const fetchMaxWaitMs = opts.fetchMaxWaitMs ?? DEFAULT_FETCH_MAX_WAIT_MS;
  const topic = (name: string) => `${ns}${name}`;
  const log = opts.logger.child({ component: 'kafkajs' });
  const kafka = new Kafka({
    clientId: opts.clientId,
    brokers: opts.brokers,
    sasl: opts.security?.sasl,
    ssl: opts.security?.tls ? (opts.security.tls.ca ? { ca: [opts.security.tls.ca] } : true) : undefined,
    logLevel: logLevel.WARN,
    retry: { initialRetryTime: 100, retries: 8 },
    // kafkajs gives a broker 1 s to accept a connection and logs an error when it does not, though
    // it retries. Its timer runs before the loop sees the socket connect, so a process starved of
    // CPU (a 2-core machine starting a whole stack at once, each client signing in with SCRAM)
    // timed out on loopback at 3 s; 10 s is the Java client's socket.connection.setup.timeout.ms.
    connectionTimeout: 10_000,
    logCreator: () => (entry) => {
      const { message, ...extra } = entry.log;
      // kafkajs logs each failed protocol response ("Response ListOffsets…") before it
      // retries; what it cannot recover from surfaces as an error of its caller. So these
      // are warnings, and a topic-creation race (resolved by ensureTopics) is not even that.
      const response = entry.namespace === 'Connection' && String(message).startsWith('Response ');
      // Our producer's retries are bounded on purpose: the outbox is the durable retry, and
      // inboxes absorb the duplicates a later republish may cause.
      if (String(message).startsWith('Limiting retries for the idempotent producer')) return log.debug(message);
      const level = LEVEL[entry.level] ?? 'info';
      // Likewise a failure kafkajs is about to retry (it logs retryCount) is a warning.
      const retrying = extra.retryCount !== undefined;
      const mapped = response && String(message).startsWith('Response CreateTopics') ? 'debug' : (response || retrying) && level === 'error' ? 'warn' : level;
      log[mapped]({ ...extra, namespace: entry.namespace }, message);
    },
  });
  const producers: Producer[] = [];
  const consumers: Consumer[] = [];

  return {
    kafka,
    topic,
    commitIntervalMs: opts.commitIntervalMs ?? DEFAULT_COMMIT_INTERVAL_MS,
    async ensureTopics(names, partitions, configs = {}) {
      const topics = names.map(topic);
      const admin = kafka.admin();
      await admin.connect();
      try {
        // Create what is missing, then wait until every partition has a leader: a topic just
        // created (by us or by another service racing us) cannot be produced to or consumed
        // before that. Errors on the way (a lost race, a broker busy electing) are retried
        // until the deadline; only then does the last one surface.
        let lastError: unknown;
        for (const deadline = Date.now() + 60_000; ;) {
          const missing = await admin
            .listTopics()
            .then((existing) => topics.filter((t) => !existing.includes(t)))
            .catch((err) => ((lastError = err), []));
          if (missing.length > 0) {
            // Not kafkajs's waitForLeaders: its wait gives up on UNKNOWN_TOPIC_OR_PARTITION,
            // which a broker answers while another service's create is still propagating.
            await admin
              .createTopics({
                waitForLeaders: false,
                topics: missing.map((t) => ({
                  topic: t,
                  numPartitions: partitions,
                  configEntries: Object.entries(configs).map(([name, value]) => ({ name, value })),
                })),
              })
              .catch((err: Error) => {
                if (!err.message.includes('already exists')) lastError = err;
              });
          }
          const { topics: meta } = await admin.fetchTopicMetadata({ topics }).catch((err) => {
            lastError = err;
            return { topics: [] as Array<{ name: string; partitions: Array<{ leader: number }> }> };
          });
          const ready = topics.every((t) => {
            const m = meta.find((x) => x.name === t);
            return m !== undefined && m.partitions.length > 0 && m.partitions.every((p) => p.leader >= 0);
          });
          if (ready) return;
          if (Date.now() > deadline) {
            const why = lastError instanceof Error ? `: ${lastError.message}` : '';
            throw new Error(`Kafka topics ${topics.join(', ')} are not ready (created, every partition with a leader) after 60 s${why}`);
          }
          await new Promise((r) => setTimeout(r, 200));
        }
      } finally {
        await admin.disconnect();
      }
    },
    async waitForTopics(names, timeoutMs = 60_000) {
      const topics = names.map(topic);
      const admin = kafka.admin();
      await admin.connect();
      try {
        let missing = topics;
        let lastError: unknown;
        for (const deadline = Date.now() + timeoutMs; ;) {
          // Metadata names only the topics this client may describe: a topic it has no ACL for looks missing.
          const { topics: meta } = await admin.fetchTopicMetadata({ topics }).catch((err: unknown) => {
            lastError = err;
            return { topics: [] as Array<{ name: string; partitions: Array<{ leader: number }> }> };
          });
          missing = topics.filter((t) => {
            const m = meta.find((x) => x.name === t);
            return !m || m.partitions.length === 0 || m.partitions.some((p) => p.leader < 0);
          });
          if (missing.length === 0) return;
          if (Date.now() > deadline) break;
          await new Promise((r) => setTimeout(r, 250));
        }
        const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
        throw new Error(
          `Kafka topics ${missing.join(', ')} do not exist or this client may not describe them, after ${timeoutMs / 1000} s${why}: ` +
            'services never create topics; in Kubernetes they are KafkaTopic resources, locally the stack creates them (npm start, the test setup)',
        );
      } finally {
        await admin.disconnect();
      }
    },
    async createPublisher() {
      // Idempotent producer, one request in flight: no duplicates from producer
      // retries and no reordering within a partition (= within one order).
      const producer = kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      await producer.connect();
      producers.push(producer);
      return {
        maxMessageBytes: opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
        async publish(messages) {
          if (messages.length === 0) return;
          const byTopic = new Map<string, OutgoingMessage[]>();
          for (const m of messages) byTopic.set(topic(m.topic), [...(byTopic.get(topic(m.topic)) ?? []), m]);
          try {
            await producer.sendBatch({
              acks: -1,
              topicMessages: [...byTopic].map(([topic, ms]) => ({
                topic,
                messages: ms.map((m) => ({ key: m.key, value: m.value, headers: m.headers })),
              })),
            });
          } catch (err) {
            const rejection = rejectionOf(err);
            throw rejection ? new MessagesRejected(rejection) : err;
          }
        },
        close: () => producer.disconnect(),
      };
    },
    createConsumer(groupId) {
      // A short session: a member that died without leaving (SIGKILL, OOM) holds its partitions, and
      // a restarted member's join waits, until the session expires. kafkajs heartbeats from the fetch
      // loop and from our handlers (per message), so several heartbeats fit in one session.
      const consumer = kafka.consumer({
        groupId: `${ns}${groupId}`,
        sessionTimeout,
        heartbeatInterval: Math.max(100, Math.floor(sessionTimeout / 6)),
        maxWaitTimeInMs: fetchMaxWaitMs,
        allowAutoTopicCreation: false,
      });
      consumers.push(consumer);
      return consumer;
    },
    async close() {
      await Promise.allSettled([...producers, ...consumers].map((c) => c.disconnect()));
    },
  };
}
