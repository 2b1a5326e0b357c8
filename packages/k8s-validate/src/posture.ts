/**
 * foodmesh's rules for rendered manifests, beyond what schemas can say: the security posture,
 * the Kiali/Istio conventions and the references between objects that `istioctl analyze`
 * would check against a cluster. Pure: objects in, problems out.
 */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: any; // rendered YAML: its shape is checked by the schemas, not by TypeScript
  data?: Record<string, string>;
}

export interface Problem {
  object: string; // Kind/namespace/name
  rule: string;
  message: string;
}

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);
const INGRESS_PRINCIPAL_RE = /^cluster\.local\/ns\/istio-system\/sa\/istio-ingressgateway(-service-account)?$/;

export function ref(o: K8sObject): string {
  return `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

function matches(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector) return true;
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

/** Every rule, over all the objects of one rendered overlay. */
export function checkPosture(objects: K8sObject[]): Problem[] {
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
    else if (!serviceAccounts.some((s) => s.metadata.name === sa && inNs(s, w.metadata.namespace))) add(w, 'service-account', `ServiceAccount ${sa} is not rendered`);

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
      if (requests.cpu === undefined || requests.memory === undefined) add(w, 'requests', `${where} needs resources.requests.cpu and .memory (the HPA divides by them)`);
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
    const drainMs = shutdownGraceMs(w, containers, configMaps);
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

  // Services: Istio protocol selection and Kiali need named ports with appProtocol.
  for (const s of services) {
    for (const p of s.spec?.ports ?? []) {
      if (!/^(grpc|http)-[a-z0-9-]+$/.test(p.name ?? '')) {
        add(s, 'port-names', `port ${p.port} must be named grpc-… or http-… (is "${p.name ?? ''}")`);
      }
      const expected = (p.name ?? '').startsWith('grpc-') ? 'grpc' : 'http';
      if (!p.appProtocol) add(s, 'app-protocol', `port ${p.name} needs appProtocol`);
      else if (p.appProtocol !== expected && !(expected === 'http' && p.appProtocol === 'http2')) add(s, 'app-protocol', `port ${p.name} has appProtocol ${p.appProtocol}, expected ${expected}`);
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
      problems.push({ object: `Namespace//${ns}`, rule: 'injection', message: 'workloads run in a namespace without istio-injection=enabled (or istio.io/rev)' });
      continue;
    }
    const strict = of('PeerAuthentication').some((p) => inNs(p, ns) && !p.spec?.selector && p.spec?.mtls?.mode === 'STRICT');
    if (!strict) problems.push({ object: `Namespace//${ns}`, rule: 'mtls', message: 'no namespace-wide PeerAuthentication with mtls.mode STRICT' });
    const aps = of('AuthorizationPolicy').filter((a) => inNs(a, ns));
    const denyAll = aps.some((a) => !a.spec || Object.keys(a.spec).length === 0);
    if (!denyAll) problems.push({ object: `Namespace//${ns}`, rule: 'authz', message: 'no allow-nothing AuthorizationPolicy (spec: {}): access is not deny-by-default' });
  }
  for (const w of workloads) {
    const labels = w.spec?.template?.metadata?.labels ?? {};
    if (labels['sidecar.istio.io/inject'] === 'false') continue;
    const selected = of('AuthorizationPolicy').filter(
      (a) => inNs(a, w.metadata.namespace) && a.spec?.selector && matches(a.spec.selector.matchLabels, labels),
    );
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
      if (sel && !workloads.some((w) => inNs(w, x.metadata.namespace) && matches(sel, w.spec?.template?.metadata?.labels))) {
        add(x, 'istio-refs', `selector ${JSON.stringify(sel)} matches no workload`);
      }
    }
  }
  for (const sc of of('Sidecar')) {
    for (const e of sc.spec?.egress ?? []) {
      for (const h of e.hosts ?? []) {
        const [hNs, name] = h.split('/');
        if (name === '*' || hNs !== '.') continue;
        // ./<svc>.<ns>.svc.cluster.local: the Service or a Strimzi/CNPG one (operator-made, not rendered)
        if (!serviceNamed(name, sc.metadata.namespace) && !/^foodmesh-(kafka|pg)-/.test(name)) add(sc, 'istio-refs', `egress host ${h} is not a rendered Service`);
      }
    }
  }
  return problems;
}

function shutdownGraceMs(w: K8sObject, containers: any[], configMaps: K8sObject[]): number | undefined {
  for (const c of containers) {
    const direct = (c.env ?? []).find((e: any) => e.name === 'SHUTDOWN_GRACE_MS')?.value;
    if (direct !== undefined) return Number(direct);
    for (const ef of c.envFrom ?? []) {
      const cm = configMaps.find((m) => m.metadata.name === ef.configMapRef?.name && (m.metadata.namespace ?? '') === (w.metadata.namespace ?? ''));
      const v = cm?.data?.SHUTDOWN_GRACE_MS;
      if (v !== undefined) return Number(v);
    }
  }
  return undefined;
}
