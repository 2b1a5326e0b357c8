import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { fixKafkajsRequestQueue, loadKafkaAccess } from '@foodmesh/platform';
import { cachedDir, readText, run, startWatched, tail } from './processes';
import { foodmeshDir, freshRoot, type Log, packageDir, persistentRoot, reservePort, sleep, type PortReservation } from './util';

fixKafkajsRequestQueue(); // a kafkajs 2.2.4 timer loop; see the platform's kafkajs-request-queue.ts

export interface KafkaOptions {
  /** Keep data across runs in /var/tmp/foodmesh/<hash>/kafka (for `npm start`); default: a fresh temp dir removed on stop. */
  persistent?: boolean;
  dataDir?: string;
  /** PLAINTEXT (client) port; default: a free one. */
  port?: number;
  controllerPort?: number;
  readyTimeoutMs?: number;
  /** The users besides the admin (default: every service under services/). */
  users?: string[];
  log?: Log;
}

/** The SCRAM users of a local broker: the admin (creates topics and ACLs) and one per service. */
export interface KafkaCredentials {
  mechanism: 'scram-sha-512';
  admin: { username: string; password: string };
  /** Service name → password; each service signs in as the user of its name. */
  users: Record<string, string>;
}

export interface KafkaHandle {
  brokers: string[];
  /** Undefined for external brokers without KAFKA_ADMIN_USERNAME / KAFKA_ADMIN_PASSWORD (no authentication). */
  credentials?: KafkaCredentials;
  /** Undefined when KAFKA_BROKERS points at external brokers. */
  dataDir?: string;
  logFile?: string;
  stop(): Promise<void>;
}

const pomFile = path.join(packageDir, 'kafka', 'pom.xml');
const log4jConfig = path.join(packageDir, 'kafka', 'log4j2.xml');
const INSTALL_HINT = 'install it with: apt-get install -y openjdk-17-jre-headless maven';

/** The broker version pinned in kafka/pom.xml. */
export function kafkaVersion(): string {
  const m = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(readFileSync(pomFile, 'utf8'));
  if (!m) throw new Error(`no <kafka.version> in ${pomFile}`);
  return m[1]!;
}

/** Resolves the broker jars into <repo>/.foodmesh/cache/kafka-<version>/ once; returns that folder. */
export async function ensureKafkaJars(log: Log = () => {}): Promise<string> {
  checkJava();
  const stamp = createHash('sha256').update(readFileSync(pomFile)).digest('hex'); // re-resolve whenever the pom changes
  return cachedDir(path.join(foodmeshDir, 'cache', `kafka-${kafkaVersion()}`), stamp, async (tmp) => {
    checkMaven();
    log(`resolving Kafka ${kafkaVersion()} jars from Maven Central (first run only)…`);
    const out = await run('mvn', ['-q', '-B', '-f', pomFile, 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${tmp}`]);
    if (out.code !== 0) throw new Error(`mvn could not resolve the Kafka jars (exit ${out.code}):\n${tail(out.output, 30)}`);
  });
}

/** Starts a single-node KRaft broker+controller, or uses KAFKA_BROKERS when set. */
export async function startKafka(opts: KafkaOptions = {}): Promise<KafkaHandle> {
  const log = opts.log ?? (() => {});
  const external = process.env.KAFKA_BROKERS;
  if (external) {
    log(`Kafka: using KAFKA_BROKERS (${external})`);
    return {
      brokers: external
        .split(',')
        .map((b) => b.trim())
        .filter(Boolean),
      credentials: externalCredentials(),
      stop: async () => {},
    };
  }
  const jars = await ensureKafkaJars(log);
  const persistent = opts.persistent ?? false;
  const dir = opts.dataDir ?? path.join(persistent ? persistentRoot() : freshRoot(), 'kafka');
  const reservations: PortReservation[] = [];
  const reserve = async (given?: number) => {
    if (given !== undefined) return given;
    const reservation = await reservePort();
    reservations.push(reservation);
    return reservation.port;
  };
  const [port, controllerPort] = [await reserve(opts.port), await reserve(opts.controllerPort)];
  const release = () => reservations.forEach((r) => r.release());
  const removeOnStop = !persistent && !opts.dataDir;

  // One user per service that uses Kafka at all (mesh/kafka-access.yaml); the edge does not.
  const users = opts.users ?? Object.keys(loadKafkaAccess().users);
  const credentials = localCredentials(dir, users, log);
  let broker: Broker;
  try {
    broker = await launch({ jars, dir, port, controllerPort, credentials, timeoutMs: opts.readyTimeoutMs ?? 90_000 });
  } catch (err) {
    // A failed fresh dir stays for inspection (the error names its log); the next run sweeps it.
    if (!persistent || !existsSync(path.join(dir, 'data'))) {
      release();
      throw err;
    }
    // Dev data is disposable: an unreadable log dir after a crash should not block `npm start`.
    log(`Kafka would not start on ${dir}/data (${(err as Error).message.split('\n')[0]}); wiping it and retrying`);
    rmSync(path.join(dir, 'data'), { recursive: true, force: true });
    broker = await launch({ jars, dir, port, controllerPort, credentials, timeoutMs: opts.readyTimeoutMs ?? 90_000 }).catch((e: unknown) => {
      release();
      throw e;
    });
  }
  let stopped: Promise<void> | undefined;
  return {
    brokers: [`127.0.0.1:${port}`],
    credentials,
    dataDir: dir,
    logFile: broker.logFile,
    stop: () =>
      (stopped ??= (async () => {
        await broker.stop();
        release();
        if (removeOnStop) rmSync(path.dirname(dir), { recursive: true, force: true });
      })()),
  };
}

interface Broker {
  logFile: string;
  stop(): Promise<void>;
}

async function launch(o: {
  jars: string;
  dir: string;
  port: number;
  controllerPort: number;
  credentials: KafkaCredentials;
  timeoutMs: number;
}): Promise<Broker> {
  const dataDir = path.join(o.dir, 'data');
  const logsDir = path.join(o.dir, 'logs');
  mkdirSync(logsDir, { recursive: true });
  const props = path.join(o.dir, 'server.properties');
  writeFileSync(props, serverProperties(dataDir, o.port, o.controllerPort, o.credentials.admin.password), { mode: 0o600 });
  const logFile = path.join(logsDir, 'server.log');
  const jvm = [
    ...(process.env.KAFKA_HEAP_OPTS?.split(/\s+/).filter(Boolean) ?? ['-Xms128m', '-Xmx512m']),
    // A local broker lives minutes to hours on a shared small machine: C1 only (C2's compiling was most
    // of a fresh broker's CPU) and the serial collector (no parallel GC threads); docs/performance.md.
    ...(process.env.KAFKA_JVM_PERFORMANCE_OPTS?.split(/\s+/).filter(Boolean) ?? ['-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1']),
    '-XX:+ExitOnOutOfMemoryError',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${log4jConfig}`,
    `-Dkafka.logs.dir=${logsDir}`,
    '-cp',
    path.join(o.jars, '*'),
  ];

  if (!existsSync(path.join(dataDir, 'meta.properties'))) {
    // KRaft 4.x dynamic quorum: --standalone makes this node the single voter.
    // Kafka's own Uuid never starts with '-': the storage tool would read it as an option.
    let clusterId: string;
    do clusterId = randomBytes(16).toString('base64url');
    while (clusterId.startsWith('-'));
    // The SCRAM users exist from the start (KRaft keeps them in its metadata): the admin, which the
    // broker itself also signs in as, and one per service.
    const scram = [['admin', o.credentials.admin.password], ...Object.entries(o.credentials.users)].flatMap(([name, password]) => [
      '--add-scram',
      `SCRAM-SHA-512=[name=${name},password=${password}]`,
    ]);
    const fmt = await run('java', [...jvm, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', props, '--standalone', '--ignore-formatted', ...scram]);
    if (fmt.code !== 0) throw new Error(`Kafka storage format failed (exit ${fmt.code}):\n${tail(fmt.output, 20)}`);
  }

  const broker = startWatched('java', [...jvm, 'kafka.Kafka', props], { outFile: path.join(logsDir, 'kafka.out') });
  const stop = () => broker.stop(20_000); // grace period for a controlled shutdown

  const ready = await waitReady([`127.0.0.1:${o.port}`], o.credentials.admin, o.timeoutMs, () => broker.exitCode() !== undefined);
  if (ready !== 'ready') {
    await stop();
    const why = ready === 'timeout' ? `not ready within ${o.timeoutMs} ms` : `the JVM exited with code ${broker.exitCode()}`;
    throw new Error(
      `Kafka failed to start (${why}); see ${logFile} and ${path.join(logsDir, 'kafka.out')}:\n` +
        tail(readText(path.join(logsDir, 'kafka.out')) + readText(logFile), 15),
    );
  }
  return { logFile, stop };
}

/**
 * A single KRaft node with no anonymous access: clients sign in with SASL/SCRAM-SHA-512 on the
 * client listener (the admin, or a service's own user, allowed only what mesh/kafka-access.yaml
 * grants it), the controller listener takes only the node itself (SASL/PLAIN, admin), and
 * nothing is allowed without an ACL. Both listeners are on 127.0.0.1.
 */
function serverProperties(dataDir: string, port: number, controllerPort: number, adminPassword: string): string {
  const scramLogin = `org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="${adminPassword}";`;
  const plainLogin = `org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="${adminPassword}" user_admin="${adminPassword}";`;
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.bootstrap.servers=127.0.0.1:${controllerPort}`,
    `listeners=CLIENT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=CLIENT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=CLIENT',
    'listener.security.protocol.map=CONTROLLER:SASL_PLAINTEXT,CLIENT:SASL_PLAINTEXT',
    'sasl.mechanism.controller.protocol=PLAIN',
    'sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512',
    'listener.name.controller.sasl.enabled.mechanisms=PLAIN',
    `listener.name.controller.plain.sasl.jaas.config=${plainLogin}`,
    'listener.name.client.sasl.enabled.mechanisms=SCRAM-SHA-512',
    `listener.name.client.scram-sha-512.sasl.jaas.config=${scramLogin}`,
    'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    'super.users=User:admin',
    'allow.everyone.if.no.acl.found=false',
    `log.dirs=${dataDir}`,
    'num.partitions=6',
    'auto.create.topics.enable=false', // the stack's admin creates the topics (kafka-provision.ts)
    // Kafka's default, on purpose: services publish nothing larger (KAFKA_MAX_MESSAGE_BYTES).
    'message.max.bytes=1048588',
    // single node: every internal topic with one replica, and fewer partitions so they load fast
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=6',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=6',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    // A fenced broker leaves every partition leaderless, so the session must outlast a busy
    // machine's hiccups (4 s did not); after an unclean exit the restarted broker waits it out.
    'broker.heartbeat.interval.ms=1000',
    'broker.session.timeout.ms=12000',
    '',
  ].join('\n');
}

/**
 * The broker's users, generated once beside its data (0600) as the local identity's keys are:
 * a persistent broker keeps them; one formatted before they existed (or without a user added since)
 * is wiped, since SCRAM users are created when the storage is formatted. Local data is disposable.
 */
function localCredentials(dir: string, users: string[], log: Log): KafkaCredentials {
  const file = path.join(dir, 'credentials.json');
  const dataDir = path.join(dir, 'data');
  const saved = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as KafkaCredentials) : undefined;
  if (saved && users.every((u) => saved.users[u])) return saved;
  if (existsSync(dataDir)) {
    log(`Kafka: ${dir} has no user for ${users.filter((u) => !saved?.users[u]).join(', ')}: wiping its data to create them`);
    rmSync(dataDir, { recursive: true, force: true });
  }
  const secret = () => randomBytes(18).toString('hex');
  const credentials: KafkaCredentials = {
    mechanism: 'scram-sha-512',
    admin: { username: 'admin', password: secret() },
    users: Object.fromEntries(users.map((u) => [u, secret()])),
  };
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  return credentials;
}

/** External brokers: the admin from KAFKA_ADMIN_USERNAME / KAFKA_ADMIN_PASSWORD, and the services' users as KAFKA_USER_<NAME>=password. */
function externalCredentials(): KafkaCredentials | undefined {
  const { KAFKA_ADMIN_USERNAME: username, KAFKA_ADMIN_PASSWORD: password } = process.env;
  if (!username || !password) return undefined;
  const users = Object.fromEntries(
    Object.entries(process.env)
      .filter(([k, v]) => k.startsWith('KAFKA_USER_') && v)
      .map(([k, v]) => [k.slice('KAFKA_USER_'.length).toLowerCase(), v!]),
  );
  return { mechanism: 'scram-sha-512', admin: { username, password }, users };
}

/** Ready = metadata answers, and the group and producer-id coordinators are loaded (else clients log errors). */
async function waitReady(brokers: string[], admin: KafkaCredentials['admin'], timeoutMs: number, dead: () => boolean): Promise<'ready' | 'timeout' | 'dead'> {
  const kafka = new Kafka({
    clientId: 'local-infra-ready',
    brokers,
    logLevel: logLevel.NOTHING,
    sasl: { mechanism: 'scram-sha-512', ...admin },
    connectionTimeout: 1000,
    retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 500 },
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (dead()) return 'dead';
    const admin = kafka.admin();
    const producer = kafka.producer({ transactionalId: 'local-infra-warmup', maxInFlightRequests: 1, idempotent: true });
    try {
      await admin.connect();
      await admin.listTopics();
      // Group ids spread over all partitions of __consumer_offsets / __transaction_state.
      await admin.describeGroups(Array.from({ length: 12 }, (_, i) => `local-infra-warmup-${i}`));
      await producer.connect();
      await (await producer.transaction()).abort(); // InitProducerId via the transaction coordinator
      return 'ready';
    } catch {
      await sleep(250);
    } finally {
      await producer.disconnect().catch(() => {});
      await admin.disconnect().catch(() => {});
    }
  }
  return 'timeout';
}

/** Maven resolves the jars of the JVM servers (Kafka, Zipkin) from Maven Central. */
export function checkMaven(): void {
  if (spawnSync('mvn', ['-v'], { stdio: 'ignore' }).error) throw new Error(`Maven (mvn) is not installed; ${INSTALL_HINT}`);
}

export function checkJava(): void {
  const r = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (r.error) throw new Error(`Java is not installed (Kafka needs Java 17+); ${INSTALL_HINT}`);
  const major = Number(/version "(?:1\.)?(\d+)/.exec(r.stderr)?.[1] ?? 0);
  if (major && major < 17) throw new Error(`Kafka ${kafkaVersion()} needs Java 17+, found Java ${major}; ${INSTALL_HINT}`);
}
