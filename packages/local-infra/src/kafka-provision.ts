import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes, type AclEntry, type Admin } from 'kafkajs';
import { aclsOf, connectKafka, createLogger, loadKafkaAccess, type KafkaAccess, type KafkaAcl, type KafkaSecurity } from '@foodmesh/platform';
import type { KafkaCredentials } from './kafka';

/**
 * What the cluster gets from KafkaTopic and KafkaUser resources, done by the admin user for a
 * local stack's namespace: the saga topics, and each service user's ACLs (mesh/kafka-access.yaml),
 * every name prefixed with the namespace. Idempotent: run at every start.
 */
export async function provisionKafka(opts: { brokers: string[]; credentials?: KafkaCredentials; namespace?: string; access?: KafkaAccess }): Promise<void> {
  const access = opts.access ?? loadKafkaAccess();
  const namespace = opts.namespace ?? '';
  const kafka = connectKafka({
    brokers: opts.brokers,
    clientId: 'foodmesh-provision',
    logger: createLogger({ service: 'kafka-provision', level: 'silent' }),
    namespace,
    security: adminSecurity(opts.credentials),
  });
  try {
    await kafka.ensureTopics(access.topics.names, access.topics.partitions, access.topics.config);
    if (!opts.credentials) return; // a broker without authentication has no ACLs to create
    const acl = Object.keys(access.users).flatMap((user) => aclsOf(access, user, namespace).map((a) => aclEntry(`User:${user}`, a)));
    const admin = kafka.kafka.admin();
    await admin.connect();
    try {
      await admin.createAcls({ acl });
      await untilVisible(admin, acl);
    } finally {
      await admin.disconnect();
    }
  } finally {
    await kafka.close();
  }
}

/**
 * Waits until the broker's authorizer knows every ACL: KRaft commits them to the metadata log and
 * the broker applies that a moment later, and a client arriving in between would be refused.
 */
async function untilVisible(admin: Admin, acl: AclEntry[]): Promise<void> {
  const key = (a: Pick<AclEntry, 'principal' | 'resourceType' | 'resourceName' | 'resourcePatternType' | 'operation'>) =>
    [a.principal, a.resourceType, a.resourceName, a.resourcePatternType, a.operation].join('|');
  const wanted = new Set(acl.map(key));
  for (const deadline = Date.now() + 30_000; ;) {
    const { resources } = await admin.describeAcls({
      resourceType: AclResourceTypes.ANY,
      resourcePatternType: ResourcePatternTypes.ANY,
      operation: AclOperationTypes.ANY,
      permissionType: AclPermissionTypes.ANY,
    });
    const seen = new Set(
      resources.flatMap((r) =>
        r.acls.map((a) => key({ ...a, resourceType: r.resourceType, resourceName: r.resourceName, resourcePatternType: r.resourcePatternType })),
      ),
    );
    if ([...wanted].every((k) => seen.has(k))) return;
    if (Date.now() > deadline) throw new Error('the broker did not apply the Kafka ACLs within 30 s');
    await new Promise((r) => setTimeout(r, 100));
  }
}

const RESOURCE = { topic: AclResourceTypes.TOPIC, group: AclResourceTypes.GROUP } as const;
const PATTERN = { literal: ResourcePatternTypes.LITERAL, prefix: ResourcePatternTypes.PREFIXED } as const;
const OPERATION = {
  Read: AclOperationTypes.READ,
  Write: AclOperationTypes.WRITE,
  Describe: AclOperationTypes.DESCRIBE,
  Delete: AclOperationTypes.DELETE,
} as const;

function aclEntry(principal: string, a: KafkaAcl): AclEntry {
  return {
    resourceType: RESOURCE[a.resource],
    resourceName: a.name,
    resourcePatternType: PATTERN[a.pattern],
    principal,
    host: '*',
    operation: OPERATION[a.operation],
    permissionType: AclPermissionTypes.ALLOW,
  };
}

/** How the admin signs in (none on a broker without authentication). */
export function adminSecurity(credentials: KafkaCredentials | undefined): KafkaSecurity {
  return credentials ? { sasl: { mechanism: credentials.mechanism, username: credentials.admin.username, password: credentials.admin.password } } : {};
}

/**
 * The environment that makes a service sign in as its own user (the admin for a service with no
 * user of its own, such as the platform kit's test services); nothing on a broker without authentication.
 */
export function serviceKafkaEnv(credentials: KafkaCredentials | undefined, service: string): Record<string, string> {
  if (!credentials) return {};
  const own = credentials.users[service];
  return {
    KAFKA_SASL_MECHANISM: credentials.mechanism,
    KAFKA_USERNAME: own ? service : credentials.admin.username,
    KAFKA_PASSWORD: own ?? credentials.admin.password,
  };
}
