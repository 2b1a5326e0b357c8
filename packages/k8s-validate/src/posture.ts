/**
 * foodmesh's rules for rendered manifests, beyond what schemas can say: the security posture,
 * the Kiali/Istio conventions and the references between objects that `istioctl analyze`
 * would check against a cluster. Pure: objects in, problems out.
 */
import { envOf, matches, ref, workloadEnv, type K8sObject, type Problem } from './objects.js';
import { networkRules } from './network-posture.js';
import { observabilityRules, type MeshConfig } from './observability-posture.js';

export { ref, type K8sObject, type Problem } from './objects.js';

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);
const INGRESS_PRINCIPAL_RE = /^cluster\.local\/ns\/istio-system\/sa\/istio-ingressgateway(-service-account)?$/;
/** The placeholder secrets manifests once shipped (`change-me-…`); the services refuse them too. */
const PLACEHOLDER_RE = /change-me/i;
/** Switches that only belong in local and dev runs: refused where FOODMESH_ENV=production. */
const DEV_ONLY_SWITCHES = ['DEMO_SIGN_IN', 'PAYMENT_ADMIN_API'];

export interface PostureOptions {
  /** The overlay is production: its workloads must say so (FOODMESH_ENV), and it may render no Secret. */
  production?: boolean;
  /** The mesh config Istio is installed with (k8s/istio/istio-operator.yaml): its tracing providers. */
  meshConfig?: MeshConfig;
}

/** Workloads istioctl installs (not rendered here) that resources may select: the ingress gateway. */
const INSTALLED_BY_ISTIO = [{ namespace: 'istio-system', labels: { istio: 'ingressgateway', app: 'istio-ingressgateway' } }];

/** Every rule, over all the objects of one rendered overlay. */
export function checkPosture(objects: K8sObject[], opts: PostureOptions = {}): Problem[] {
  const problems: Problem[] = [];
  const add = (o: K8sObject, rule: string, message: string) => problems.push({ object: ref(o), rule, message });
  const of = (kind: string) => objects.filter((o) => o.kind === kind);
  const inNs = (o: K8sObject, ns: string | undefined) => (o.metadata.namespace ?? '') === (ns ?? '');

  const workloads = objects.filter((o) => WORKLOAD_KINDS.has(o.kind));
  const configMaps = of('ConfigMap');
  const services = of('Service');
  const namespaces = of('Namespace');
  const serviceAccounts = of('ServiceAccount');

  for (const w of workloads) {
    const tpl = w.spec?.template ?? {};
    const pod = tpl.spec ?? {};
    const podLabels: Record<string, string> = tpl.metadata?.labels ?? {};
    const podSc = pod.securityContext ?? {};
    if (!podLabels.app || !podLabels.version) add(w, 'labels', 'pod template needs labels app and version (Kiali, Istio telemetry)');
    if (podSc.seccompProfile?.type !== 'RuntimeDefault') add(w, 'seccomp', 'pod securityContext.seccompProfile.type must be RuntimeDefault');
    const sa = pod.serviceAccountName;
    if (!sa || sa === 'default') add(w, 'service-account', 'needs its own serviceAccountName (its mesh identity)');
    else if (!serviceAccounts.some((s) => s.metadata.name === sa && inNs(s, w.metadata.namespace)))
      add(w, 'service-account', `ServiceAccount ${sa} is not rendered`);

    const containers: any[] = [...(pod.initContainers ?? []), ...(pod.containers ?? [])];
    for (const c of containers) {
      const isInit = (pod.initContainers ?? []).includes(c);
      const where = `container ${c.name}`;
      if (!isInit) {
        for (const p of ['livenessProbe', 'readinessProbe'] as const) {
          if (!c[p]) add(w, 'probes', `${where} has no ${p}`);
        }
      }
      const limits = c.resources?.limits ?? {};
      const requests = c.resources?.requests ?? {};
      if (limits.cpu === undefined || limits.memory === undefined) add(w, 'limits', `${where} needs resources.limits.cpu and .memory`);
      if (requests.cpu === undefined || requests.memory === undefined)
        add(w, 'requests', `${where} needs resources.requests.cpu and .memory (the HPA divides by them)`);
      const sc = c.securityContext ?? {};
      if ((sc.runAsNonRoot ?? podSc.runAsNonRoot) !== true) add(w, 'non-root', `${where} must run with runAsNonRoot: true`);
      if ((sc.runAsUser ?? podSc.runAsUser) === 0) add(w, 'non-root', `${where} runs as uid 0`);
      if (sc.readOnlyRootFilesystem !== true) add(w, 'read-only-root', `${where} needs readOnlyRootFilesystem: true`);
      if (sc.allowPrivilegeEscalation !== false) add(w, 'privilege-escalation', `${where} needs allowPrivilegeEscalation: false`);
      if (!(sc.capabilities?.drop ?? []).includes('ALL')) add(w, 'capabilities', `${where} must drop ALL capabilities`);
      if (sc.privileged === true) add(w, 'privileged', `${where} is privileged`);
    }

    // Graceful termination: the pod must outlive the app's own drain.
    const grace = pod.terminationGracePeriodSeconds ?? 30;
    const env = envOf(w, containers, configMaps);
    const drainMs = env.SHUTDOWN_GRACE_MS === undefined ? undefined : Number(env.SHUTDOWN_GRACE_MS);
    const preStop = Math.max(0, ...containers.map((c) => c.lifecycle?.preStop?.sleep?.seconds ?? 0));
    if (drainMs !== undefined && grace * 1000 <= drainMs + preStop * 1000) {
      add(w, 'termination', `terminationGracePeriodSeconds ${grace} must exceed preStop ${preStop} s + SHUTDOWN_GRACE_MS ${drainMs}`);
    }

    if (w.kind === 'Deployment') {
      const hpas = of('HorizontalPodAutoscaler').filter(
        (h) => inNs(h, w.metadata.namespace) && h.spec?.scaleTargetRef?.kind === 'Deployment' && h.spec?.scaleTargetRef?.name === w.metadata.name,
      );
      if (hpas.length !== 1) add(w, 'hpa', `needs exactly one HorizontalPodAutoscaler (found ${hpas.length})`);
      for (const h of hpas) {
        if (h.apiVersion !== 'autoscaling/v2') add(h, 'hpa', 'must be autoscaling/v2');
        const cpu = (h.spec?.metrics ?? []).some((m: any) => m.type === 'Resource' && m.resource?.name === 'cpu');
        if (!cpu) add(h, 'hpa', 'must scale on cpu');
        if (!h.spec?.behavior?.scaleUp || !h.spec?.behavior?.scaleDown) add(h, 'hpa', 'needs scaleUp and scaleDown behavior');
      }
      if (w.spec?.replicas !== undefined && hpas.length > 0) add(w, 'hpa', 'sets spec.replicas although an HPA owns the count');
      const pdbs = of('PodDisruptionBudget').filter((p) => inNs(p, w.metadata.namespace) && matches(p.spec?.selector?.matchLabels, podLabels));
      if (pdbs.length === 0) add(w, 'pdb', 'no PodDisruptionBudget selects its pods');
      if (!pod.topologySpreadConstraints?.length) add(w, 'topology-spread', 'needs topologySpreadConstraints');
    }
  }

  problems.push(...secretRules(objects, workloads, configMaps, opts));
  problems.push(...dataRules(objects, workloads, configMaps, opts));
  problems.push(...userTokenRules(objects, workloads, configMaps));
  problems.push(...observabilityRules(objects, workloads, configMaps, opts));
  problems.push(...networkRules(objects, workloads, configMaps, opts));

  // Services: Istio protocol selection and Kiali need named ports with appProtocol.
  for (const s of services) {
    for (const p of s.spec?.ports ?? []) {
      if (!/^(grpc|http)-[a-z0-9-]+$/.test(p.name ?? '')) {
        add(s, 'port-names', `port ${p.port} must be named grpc-… or http-… (is "${p.name ?? ''}")`);
      }
      const expected = (p.name ?? '').startsWith('grpc-') ? 'grpc' : 'http';
      if (!p.appProtocol) add(s, 'app-protocol', `port ${p.name} needs appProtocol`);
      else if (p.appProtocol !== expected && !(expected === 'http' && p.appProtocol === 'http2'))
        add(s, 'app-protocol', `port ${p.name} has appProtocol ${p.appProtocol}, expected ${expected}`);
    }
  }

  // The mesh: injection, STRICT mTLS and an authorization policy for every meshed workload.
  const meshedNs = new Set<string>();
  for (const ns of namespaces) {
    const l = ns.metadata.labels ?? {};
    if (l['istio-injection'] === 'enabled' || l['istio.io/rev']) meshedNs.add(ns.metadata.name);
  }
  const workloadNs = new Set(workloads.map((w) => w.metadata.namespace ?? ''));
  for (const ns of workloadNs) {
    if (!meshedNs.has(ns)) {
      problems.push({
        object: `Namespace//${ns}`,
        rule: 'injection',
        message: 'workloads run in a namespace without istio-injection=enabled (or istio.io/rev)',
      });
      continue;
    }
    const strict = of('PeerAuthentication').some((p) => inNs(p, ns) && !p.spec?.selector && p.spec?.mtls?.mode === 'STRICT');
    if (!strict) problems.push({ object: `Namespace//${ns}`, rule: 'mtls', message: 'no namespace-wide PeerAuthentication with mtls.mode STRICT' });
    const aps = of('AuthorizationPolicy').filter((a) => inNs(a, ns));
    const denyAll = aps.some((a) => !a.spec || Object.keys(a.spec).length === 0);
    if (!denyAll)
      problems.push({ object: `Namespace//${ns}`, rule: 'authz', message: 'no allow-nothing AuthorizationPolicy (spec: {}): access is not deny-by-default' });
  }
  for (const w of workloads) {
    const labels = w.spec?.template?.metadata?.labels ?? {};
    if (labels['sidecar.istio.io/inject'] === 'false') continue;
    const selected = of('AuthorizationPolicy').filter((a) => inNs(a, w.metadata.namespace) && a.spec?.selector && matches(a.spec.selector.matchLabels, labels));
    if (selected.length === 0) add(w, 'authz', 'no AuthorizationPolicy selects this workload: nobody may call it');
  }
  for (const a of of('AuthorizationPolicy')) {
    if (!a.spec || Object.keys(a.spec).length === 0) continue;
    const action = a.spec.action ?? 'ALLOW';
    if (action !== 'ALLOW') continue;
    if (a.spec.selector && !workloads.some((w) => inNs(w, a.metadata.namespace) && matches(a.spec.selector.matchLabels, w.spec?.template?.metadata?.labels))) {
      add(a, 'authz', `selector ${JSON.stringify(a.spec.selector.matchLabels)} matches no workload`);
    }
    for (const [i, rule] of (a.spec.rules ?? []).entries()) {
      const principals: string[] = (rule.from ?? []).flatMap((f: any) => f.source?.principals ?? []);
      if (principals.length === 0) add(a, 'authz', `rule ${i} allows callers without naming their principals`);
      for (const p of principals) {
        const m = /^cluster\.local\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(p);
        if (INGRESS_PRINCIPAL_RE.test(p)) continue;
        if (!m) add(a, 'authz', `principal ${p} is not cluster.local/ns/<ns>/sa/<sa>`);
        else if (!serviceAccounts.some((s) => s.metadata.name === m[2] && (s.metadata.namespace ?? '') === m[1])) {
          add(a, 'authz', `principal ${p} names a ServiceAccount that is not rendered`);
        }
      }
    }
  }

  // References Istio resolves at run time (what istioctl analyze would flag).
  const serviceNamed = (host: string, ns: string | undefined) => {
    const short = host.split('.')[0];
    const hostNs = host.includes('.') ? host.split('.')[1] : ns;
    return services.find((s) => s.metadata.name === short && inNs(s, hostNs));
  };
  for (const vs of of('VirtualService')) {
    for (const g of vs.spec?.gateways ?? []) {
      if (g === 'mesh') continue;
      const [gNs, gName] = g.includes('/') ? g.split('/') : [vs.metadata.namespace, g];
      if (!of('Gateway').some((x) => x.metadata.name === gName && inNs(x, gNs))) add(vs, 'istio-refs', `gateway ${g} is not rendered`);
    }
    if (!vs.spec?.gateways) {
      for (const h of vs.spec?.hosts ?? []) if (!serviceNamed(h, vs.metadata.namespace)) add(vs, 'istio-refs', `host ${h} is not a rendered Service`);
    }
    for (const route of vs.spec?.http ?? []) {
      for (const r of route.route ?? []) {
        const svc = serviceNamed(r.destination?.host ?? '', vs.metadata.namespace);
        if (!svc) add(vs, 'istio-refs', `route ${route.name ?? ''} goes to ${r.destination?.host}, not a rendered Service`);
        else if (r.destination?.port?.number && !(svc.spec?.ports ?? []).some((p: any) => p.port === r.destination.port.number)) {
          add(vs, 'istio-refs', `route ${route.name ?? ''} goes to port ${r.destination.port.number}, which Service ${svc.metadata.name} does not expose`);
        }
      }
    }
  }
  for (const dr of of('DestinationRule')) {
    if (!serviceNamed(dr.spec?.host ?? '', dr.metadata.namespace)) add(dr, 'istio-refs', `host ${dr.spec?.host} is not a rendered Service`);
  }
  for (const kind of ['Sidecar', 'PeerAuthentication', 'Telemetry']) {
    for (const x of of(kind)) {
      const sel = x.spec?.workloadSelector?.labels ?? x.spec?.selector?.matchLabels;
      const installed = INSTALLED_BY_ISTIO.some((i) => inNs(x, i.namespace) && matches(sel, i.labels));
      if (sel && !installed && !workloads.some((w) => inNs(w, x.metadata.namespace) && matches(sel, w.spec?.template?.metadata?.labels))) {
        add(x, 'istio-refs', `selector ${JSON.stringify(sel)} matches no workload`);
      }
    }
  }
  for (const sc of of('Sidecar')) {
    for (const e of sc.spec?.egress ?? []) {
      for (const h of e.hosts ?? []) {
        const [hNs, name] = h.split('/');
        if (name === '*' || hNs !== '.') continue;
        // ./<svc>.<ns>.svc.cluster.local: the Service, a Strimzi/CNPG one (operator-made, not rendered) or a ServiceEntry's host
        const entry = of('ServiceEntry').some((e) => inNs(e, sc.metadata.namespace) && (e.spec?.hosts ?? []).includes(name));
        if (!serviceNamed(name, sc.metadata.namespace) && !entry && !/^foodmesh-(kafka|pg)-/.test(name))
          add(sc, 'istio-refs', `egress host ${h} is not a rendered Service or ServiceEntry`);
      }
    }
  }
  return problems;
}

/**
 * Secrets: no placeholder value anywhere (a Secret, a ConfigMap, a literal env value); in
 * production no Secret in the manifests at all (they come from a secret store), every workload
 * says FOODMESH_ENV=production, and none has a dev-only switch on.
 */
function secretRules(objects: K8sObject[], workloads: K8sObject[], configMaps: K8sObject[], opts: PostureOptions): Problem[] {
  const problems: Problem[] = [];
  const add = (o: K8sObject, rule: string, message: string) => problems.push({ object: ref(o), rule, message });
  for (const o of objects) {
    if (o.kind === 'Secret') {
      if (opts.production)
        add(o, 'secret-in-manifest', 'production renders no Secret: provide it from a secret store (External Secrets, Sealed Secrets; docs/deploy.md)');
      const values = { ...Object.fromEntries(Object.entries(o.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')])), ...o.stringData };
      for (const [k, v] of Object.entries(values))
        if (PLACEHOLDER_RE.test(v)) add(o, 'placeholder-secret', `${k} is a placeholder ("change-me…"): generate or provide the real secret`);
    }
    if (o.kind === 'ConfigMap')
      for (const [k, v] of Object.entries(o.data ?? {})) if (PLACEHOLDER_RE.test(v)) add(o, 'placeholder-secret', `${k} is a placeholder ("change-me…")`);
  }
  for (const w of workloads) {
    for (const c of w.spec?.template?.spec?.containers ?? []) {
      for (const e of c.env ?? [])
        if (PLACEHOLDER_RE.test(e.value ?? '')) add(w, 'placeholder-secret', `container ${c.name}: ${e.name} is a placeholder ("change-me…")`);
    }
    const env = workloadEnv(w, configMaps);
    if (!env.AUTH_ISSUER) continue; // not a foodmesh service
    if (opts.production && env.FOODMESH_ENV !== 'production') add(w, 'production', `FOODMESH_ENV is ${env.FOODMESH_ENV ?? 'unset'}, not production`);
    if (env.FOODMESH_ENV !== 'production') continue;
    for (const name of DEV_ONLY_SWITCHES) if (env[name] === 'on') add(w, 'production', `${name}=on in production (local and dev only)`);
    if (env.WORKLOAD_IDENTITY !== 'mesh')
      add(w, 'production', `WORKLOAD_IDENTITY is ${env.WORKLOAD_IDENTITY ?? 'unset'}: production knows workloads by their mTLS identity (mesh)`);
  }
  return problems;
}

/**
 * Users' tokens are checked by the sidecars (RequestAuthentication) and by the services
 * (AUTH_* settings) with the same issuer, audience and keys, and the sidecars pass the token on
 * (forwardOriginalToken) so the services can check it again and the edge can forward it.
 */
function userTokenRules(objects: K8sObject[], workloads: K8sObject[], configMaps: K8sObject[]): Problem[] {
  const problems: Problem[] = [];
  const add = (o: K8sObject, message: string) => problems.push({ object: ref(o), rule: 'user-tokens', message });
  const ras = objects.filter((o) => o.kind === 'RequestAuthentication');
  const sameJson = (a: string, b: string) => {
    try {
      return JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b));
    } catch {
      return false;
    }
  };
  const expected = new Map<string, Record<string, string>>(); // by issuer
  for (const w of workloads) {
    const env = workloadEnv(w, configMaps);
    if (!env.AUTH_ISSUER) continue;
    expected.set(env.AUTH_ISSUER, env);
    const ns = w.metadata.namespace ?? '';
    const covering = ras.filter((r) => (r.metadata.namespace ?? '') === ns && !r.spec?.selector);
    if (!covering.some((r) => (r.spec?.jwtRules ?? []).some((j: any) => j.issuer === env.AUTH_ISSUER))) {
      add(w, `no namespace-wide RequestAuthentication for issuer ${env.AUTH_ISSUER}: its sidecar does not check users' tokens`);
    }
  }
  for (const r of ras) {
    for (const j of r.spec?.jwtRules ?? []) {
      const env = expected.get(j.issuer);
      if (!env) {
        add(r, `issuer ${j.issuer} is not the services' AUTH_ISSUER (${[...expected.keys()].join(', ') || 'none'})`);
        continue;
      }
      if (!(j.audiences ?? []).includes(env.AUTH_AUDIENCE))
        add(r, `audiences ${JSON.stringify(j.audiences ?? [])} lack the services' AUTH_AUDIENCE ${env.AUTH_AUDIENCE}`);
      const keysAgree = env.AUTH_JWKS_URL ? j.jwksUri === env.AUTH_JWKS_URL && !j.jwks : !!env.AUTH_JWKS && !j.jwksUri && sameJson(j.jwks ?? '', env.AUTH_JWKS);
      if (!keysAgree) add(r, "its key set (jwksUri / jwks) is not the services' (AUTH_JWKS_URL / AUTH_JWKS)");
      if (j.forwardOriginalToken !== true) add(r, 'needs forwardOriginalToken: true (the services verify the token again; the edge forwards it)');
    }
  }
  return problems;
}

/** Connections a service pod may open beyond its pool: the NOTIFY listener (notify-hub.ts). */
const CONNECTIONS_BEYOND_POOL = 1;
/** The pool's size when DATABASE_POOL_MAX is not set (packages/platform/src/config.ts). */
const DEFAULT_POOL_MAX = 10;
/** Superuser and operator connections PostgreSQL keeps beside the roles' limits. */
const RESERVED_CONNECTIONS = 10;

/**
 * Data in motion and at rest: a namespace with workloads denies all traffic by default (what it
 * allows is spelled out beside it); Kafka has no anonymous listener and authorizes every client
 * (TLS and a NetworkPolicy on each listener in production); PostgreSQL's connection budget holds
 * at the HPAs' maximum, and production replicates synchronously and is backed up on a schedule.
 */
function dataRules(objects: K8sObject[], workloads: K8sObject[], configMaps: K8sObject[], opts: PostureOptions): Problem[] {
  const problems: Problem[] = [];
  const add = (o: K8sObject, rule: string, message: string) => problems.push({ object: ref(o), rule, message });
  const of = (kind: string) => objects.filter((o) => o.kind === kind);
  const policies = of('NetworkPolicy');
  for (const ns of new Set(workloads.map((w) => w.metadata.namespace ?? ''))) {
    const denyAll = policies.some(
      (p) =>
        (p.metadata.namespace ?? '') === ns &&
        Object.keys(p.spec?.podSelector ?? {}).length === 0 &&
        ['Ingress', 'Egress'].every((t) => (p.spec?.policyTypes ?? []).includes(t)) &&
        !p.spec?.ingress?.length &&
        !p.spec?.egress?.length,
    );
    if (!denyAll)
      problems.push({
        object: `Namespace//${ns}`,
        rule: 'network-policy',
        message: 'no default-deny NetworkPolicy (podSelector {}, policyTypes Ingress and Egress, no rules)',
      });
  }

  for (const k of of('Kafka')) {
    for (const l of k.spec?.kafka?.listeners ?? []) {
      if (!l.authentication?.type) add(k, 'kafka-anonymous', `listener ${l.name} (port ${l.port}) lets clients in without authentication`);
      if (opts.production && l.tls !== true) add(k, 'kafka-tls', `listener ${l.name} is not TLS`);
      if (!l.networkPolicyPeers?.length) add(k, 'kafka-network', `listener ${l.name} has no networkPolicyPeers: any pod may reach it`);
    }
    if (k.spec?.kafka?.authorization?.type !== 'simple') add(k, 'kafka-authorization', "needs authorization: { type: simple } (the KafkaUsers' ACLs)");
  }

  const hpaMax = (deployment: string, ns: string | undefined) =>
    of('HorizontalPodAutoscaler').find((h) => (h.metadata.namespace ?? '') === (ns ?? '') && h.spec?.scaleTargetRef?.name === deployment)?.spec?.maxReplicas as
      number | undefined;
  for (const c of of('Cluster').filter((o) => o.apiVersion.startsWith('postgresql.cnpg.io/'))) {
    const roles: any[] = c.spec?.managed?.roles ?? [];
    let total = 0;
    for (const role of roles) {
      const limit = role.connectionLimit as number | undefined;
      if (limit === undefined || limit < 0) {
        add(c, 'pg-connections', `role ${role.name} has no connectionLimit`);
        continue;
      }
      total += limit;
      const w = workloads.find(
        (x) => x.kind === 'Deployment' && x.metadata.name === role.name && (x.metadata.namespace ?? '') === (c.metadata.namespace ?? ''),
      );
      const replicas = w && hpaMax(w.metadata.name, w.metadata.namespace);
      if (!w || replicas === undefined) continue;
      const pool = Number(workloadEnv(w, configMaps).DATABASE_POOL_MAX ?? DEFAULT_POOL_MAX);
      const needed = replicas * (pool + CONNECTIONS_BEYOND_POOL);
      if (needed > limit)
        add(
          c,
          'pg-connections',
          `role ${role.name}: connectionLimit ${limit} < ${replicas} replicas (HPA max) × (DATABASE_POOL_MAX ${pool} + ${CONNECTIONS_BEYOND_POOL})`,
        );
    }
    const max = Number(c.spec?.postgresql?.parameters?.max_connections ?? 100);
    if (total + RESERVED_CONNECTIONS > max)
      add(c, 'pg-connections', `max_connections ${max} < the roles' connectionLimits (${total}) + ${RESERVED_CONNECTIONS} reserved`);

    if (!opts.production) continue;
    const sync = c.spec?.postgresql?.synchronous;
    if ((c.spec?.instances ?? 1) < 2 || !sync || (sync.number ?? 0) < 1 || sync.dataDurability !== 'required') {
      add(
        c,
        'pg-sync-replication',
        'production needs instances >= 2 and postgresql.synchronous with number >= 1 and dataDurability: required (a commit is on two instances)',
      );
    }
    if (!c.spec?.backup) add(c, 'pg-backup', 'production needs spec.backup (WAL archiving and base backups: point-in-time restore)');
    const scheduled = of('ScheduledBackup').some(
      (b) => b.spec?.cluster?.name === c.metadata.name && (b.metadata.namespace ?? '') === (c.metadata.namespace ?? ''),
    );
    if (!scheduled) add(c, 'pg-backup', 'production needs a ScheduledBackup of this cluster');
  }
  return problems;
}
