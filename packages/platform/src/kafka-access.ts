import fs from 'node:fs';
import path from 'node:path';
import { stringify, parse } from 'yaml';
import { z } from 'zod';
import type { K8sObject } from './istio';

/**
 * Who may do what on Kafka (mesh/kafka-access.yaml): the saga's topics and one user per service
 * with only its own rights. Rendered two ways, like the resilience policy: Strimzi KafkaTopic +
 * KafkaUser resources for the cluster (`npm run mesh:render`), and the ACLs the local stack's
 * admin creates for its namespace (local-infra).
 */
const topicName = z.string().regex(/^[a-z][a-z0-9.-]*$/, 'a topic name such as order.events');
const userSchema = z.object({
  produces: z.array(topicName).default([]),
  consumes: z.array(topicName).default([]),
  groups: z.array(z.string().min(1)).default([]),
  groupPrefixes: z.array(z.string().min(1)).default([]),
  deleteGroups: z.boolean().default(false),
});
export const kafkaAccessSchema = z
  .object({
    topics: z.object({
      partitions: z.number().int().positive(),
      names: z.array(topicName).min(1),
      config: z.record(z.string(), z.string()).default({}),
    }),
    users: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/), userSchema),
  })
  .superRefine((a, ctx) => {
    for (const [user, u] of Object.entries(a.users)) {
      for (const t of [...u.produces, ...u.consumes]) {
        if (!a.topics.names.includes(t)) ctx.addIssue({ code: 'custom', path: ['users', user], message: `names topic ${t}, which is not in topics.names` });
      }
    }
  });
export type KafkaAccess = z.infer<typeof kafkaAccessSchema>;

export const DEFAULT_KAFKA_ACCESS_PATH = path.resolve(__dirname, '../../../mesh/kafka-access.yaml');

export function loadKafkaAccess(file = DEFAULT_KAFKA_ACCESS_PATH): KafkaAccess {
  const result = kafkaAccessSchema.safeParse(parse(fs.readFileSync(file, 'utf8')));
  if (!result.success) throw new Error(`${file} is invalid: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return result.data;
}

/** One right, in Kafka's terms: `operation` on the topic or group `name` (exact, or every name starting with it). */
export interface KafkaAcl {
  resource: 'topic' | 'group';
  name: string;
  pattern: 'literal' | 'prefix';
  operation: 'Read' | 'Write' | 'Describe' | 'Delete';
}

/** The rights of one user, every name prefixed with `namespace` (the stack's, locally; none in the cluster). */
export function aclsOf(access: KafkaAccess, user: string, namespace = ''): KafkaAcl[] {
  const u = access.users[user];
  if (!u) return [];
  const acls: KafkaAcl[] = [];
  for (const t of u.produces)
    acls.push(
      { resource: 'topic', name: `${namespace}${t}`, pattern: 'literal', operation: 'Write' },
      { resource: 'topic', name: `${namespace}${t}`, pattern: 'literal', operation: 'Describe' },
    );
  for (const t of u.consumes)
    acls.push(
      { resource: 'topic', name: `${namespace}${t}`, pattern: 'literal', operation: 'Read' },
      { resource: 'topic', name: `${namespace}${t}`, pattern: 'literal', operation: 'Describe' },
    );
  const groups = [...u.groups.map((g) => ({ name: g, pattern: 'literal' as const })), ...u.groupPrefixes.map((g) => ({ name: g, pattern: 'prefix' as const }))];
  for (const g of groups) {
    acls.push({ resource: 'group', name: `${namespace}${g.name}`, pattern: g.pattern, operation: 'Read' });
    if (u.deleteGroups) acls.push({ resource: 'group', name: `${namespace}${g.name}`, pattern: g.pattern, operation: 'Delete' });
  }
  return acls;
}

/** The Kafka cluster of k8s/base/data/kafka.yaml. */
const CLUSTER = 'foodmesh-kafka';
const LABELS = { 'app.kubernetes.io/part-of': 'foodmesh', 'app.kubernetes.io/managed-by': 'mesh-render', 'strimzi.io/cluster': CLUSTER };

/**
 * The Strimzi rendering: a KafkaTopic per topic (one replica and min.insync.replicas 1 here; the
 * prod overlay raises both) and a SCRAM-SHA-512 KafkaUser per user, with its ACLs. Strimzi puts
 * each user's password in a Secret of the user's name.
 */
export function kafkaAccessObjects(access: KafkaAccess): K8sObject[] {
  const topics: K8sObject[] = access.topics.names.map((name) => ({
    apiVersion: 'kafka.strimzi.io/v1',
    kind: 'KafkaTopic',
    metadata: { name, labels: LABELS },
    spec: { topicName: name, partitions: access.topics.partitions, replicas: 1, config: { ...access.topics.config, 'min.insync.replicas': '1' } },
  }));
  const users: K8sObject[] = Object.keys(access.users).map((user) => {
    // Strimzi's ACLs list several operations per resource: group this user's rights by resource.
    const byResource = new Map<string, { resource: { type: string; name: string; patternType: string }; operations: string[] }>();
    for (const acl of aclsOf(access, user)) {
      const key = `${acl.resource}/${acl.pattern}/${acl.name}`;
      const entry = byResource.get(key) ?? { resource: { type: acl.resource, name: acl.name, patternType: acl.pattern }, operations: [] };
      entry.operations.push(acl.operation);
      byResource.set(key, entry);
    }
    return {
      apiVersion: 'kafka.strimzi.io/v1',
      kind: 'KafkaUser',
      metadata: { name: user, labels: { ...LABELS, app: user } },
      spec: { authentication: { type: 'scram-sha-512' }, authorization: { type: 'simple', acls: [...byResource.values()] } },
    };
  });
  return [...topics, ...users];
}

export const KAFKA_ACCESS_RENDERED = 'k8s/base/data/kafka-access.yaml';

/** The file `npm run mesh:render` writes from mesh/kafka-access.yaml. */
export function renderKafkaAccessFile(access: KafkaAccess): { path: string; content: string } {
  const header =
    '# Generated from mesh/kafka-access.yaml by `npm run mesh:render`. Do not edit: change the file and re-render.\n' +
    '# The saga topics and one SCRAM-SHA-512 user per service with only its own ACLs.\n';
  return {
    path: KAFKA_ACCESS_RENDERED,
    content:
      header +
      kafkaAccessObjects(access)
        .map((o) => stringify(o, { aliasDuplicateObjects: false }))
        .join('---\n'),
  };
}
