/**
 * Who may reach the data stores and what leaves the cluster. Kafka's listener and the
 * NetworkPolicies that let pods out to it name only workloads with a KafkaUser (the broker would
 * refuse the others anyway: a path nobody needs is a path to close); the policies out to
 * PostgreSQL only workloads with a database role. A webhook URL a workload is given, the mesh's
 * ServiceEntry and its Sidecar name one host, and in production not a placeholder. Warnings: what
 * is allowed but wider than it should be where the cluster's own addresses are known (the
 * Kubernetes API server's). Pure: objects in, findings out.
 */
import { selects } from './observability-posture.js';
import { ref, workloadEnv, type K8sObject, type Problem } from './objects.js';

/** Names reserved for documentation and tests (RFC 2606, RFC 6761): never a real receiver. */
const PLACEHOLDER_HOST_RE = /(^|\.)(example\.(com|net|org)|example|test|invalid|localhost)$/i;
const KAFKA_PORTS = new Set([9092, 9093]);
/** The Kubernetes API server's ports (the Service's 443, a self-managed server's 6443). */
const KUBE_API_PORT = 6443;
const OPEN_CIDRS = new Set(['0.0.0.0/0', '::/0']);

const nsOf = (o: K8sObject) => o.metadata.namespace ?? '';
const podLabels = (w: K8sObject): Record<string, string> => w.spec?.template?.metadata?.labels ?? {};
const ports = (rule: any): number[] => (rule.ports ?? []).map((p: any) => p.port);
const peersWith = (rule: any, label: string) => (rule.to ?? []).some((t: any) => t.podSelector && label in (t.podSelector.matchLabels ?? {}));

export function networkRules(objects: K8sObject[], workloads: K8sObject[], configMaps: K8sObject[], opts: { production?: boolean }): Problem[] {
  const problems: Problem[] = [];
  const add = (o: K8sObject, rule: string, message: string) => problems.push({ object: ref(o), rule, message });
  const of = (kind: string) => objects.filter((o) => o.kind === kind);
  const selected = (selector: any, ns: string) => workloads.filter((w) => nsOf(w) === ns && selects(selector, podLabels(w)));

  const kafkaUsers = new Set(of('KafkaUser').map((u) => `${nsOf(u)}/${u.metadata.name}`));
  const dbRoles = new Set(of('Cluster').flatMap((c) => (c.spec?.managed?.roles ?? []).map((r: any) => `${nsOf(c)}/${r.name}`)));
  const onlyWith = (o: K8sObject, selector: any, has: Set<string>, rule: string, what: string) => {
    for (const w of selected(selector, nsOf(o))) {
      if (!has.has(`${nsOf(w)}/${w.metadata.name}`)) add(o, rule, `lets ${w.metadata.name} reach ${what}, but it has none`);
    }
  };
  for (const k of of('Kafka')) {
    for (const l of k.spec?.kafka?.listeners ?? []) {
      for (const peer of l.networkPolicyPeers ?? [])
        if (peer.podSelector) onlyWith(k, peer.podSelector, kafkaUsers, 'kafka-network', `listener ${l.name} (a KafkaUser)`);
    }
  }
  for (const p of of('NetworkPolicy')) {
    for (const rule of p.spec?.egress ?? []) {
      if (peersWith(rule, 'strimzi.io/cluster') || ports(rule).some((n) => KAFKA_PORTS.has(n)))
        onlyWith(p, p.spec.podSelector, kafkaUsers, 'kafka-network', 'Kafka (a KafkaUser)');
      if (peersWith(rule, 'cnpg.io/cluster') || ports(rule).includes(5432))
        onlyWith(p, p.spec.podSelector, dbRoles, 'pg-network', 'PostgreSQL (a database role)');
    }
  }

  // Out of the cluster: each webhook URL's host is a ServiceEntry's and in the workload's Sidecar.
  const external = of('ServiceEntry').filter((e) => e.spec?.location === 'MESH_EXTERNAL');
  for (const w of workloads) {
    const url = workloadEnv(w, configMaps).NOTIFICATION_WEBHOOK_URL;
    if (!url) continue;
    let host: string;
    try {
      const u = new URL(url);
      if (u.protocol !== 'https:' || u.port) throw new Error('not https on 443');
      host = u.hostname;
    } catch {
      add(w, 'webhook-egress', `NOTIFICATION_WEBHOOK_URL ${url} is not an https URL on the default port (the ServiceEntry opens 443 only)`);
      continue;
    }
    if (!external.some((e) => nsOf(e) === nsOf(w) && (e.spec?.hosts ?? []).includes(host)))
      add(w, 'webhook-egress', `no MESH_EXTERNAL ServiceEntry for ${host}, its webhook's host: the sidecar (REGISTRY_ONLY) would refuse it`);
    for (const sc of of('Sidecar').filter(
      (s) => nsOf(s) === nsOf(w) && s.spec?.workloadSelector && selects({ matchLabels: s.spec.workloadSelector.labels }, podLabels(w)),
    )) {
      const hosts: string[] = (sc.spec?.egress ?? []).flatMap((e: any) => e.hosts ?? []);
      if (!hosts.includes(`./${host}`)) add(sc, 'webhook-egress', `egress lacks ./${host}, the host of ${w.metadata.name}'s NOTIFICATION_WEBHOOK_URL`);
    }
  }
  if (opts.production) {
    for (const e of external) {
      for (const h of e.spec?.hosts ?? [])
        if (PLACEHOLDER_HOST_RE.test(h)) add(e, 'placeholder-host', `host ${h} is a placeholder: set the real receiver's URL where it is configured`);
    }
  }
  return problems;
}

/** Allowed, but wider than needed: each is printed, none fails the run. */
export function networkWarnings(objects: K8sObject[]): Problem[] {
  const warnings: Problem[] = [];
  for (const p of objects.filter((o) => o.kind === 'NetworkPolicy')) {
    for (const [i, rule] of (p.spec?.egress ?? []).entries()) {
      if (!ports(rule).includes(KUBE_API_PORT)) continue;
      const to: any[] = rule.to ?? [];
      if (to.length === 0 || to.some((t) => OPEN_CIDRS.has(t.ipBlock?.cidr))) {
        warnings.push({
          object: ref(p),
          rule: 'kube-api-open',
          message: `egress/${i} lets its pods reach ${KUBE_API_PORT}/443 anywhere: set the API server's CIDR (docs/deploy.md, "Other traffic")`,
        });
      }
    }
  }
  return warnings;
}
