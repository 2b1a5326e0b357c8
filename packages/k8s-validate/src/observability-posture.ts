/**
 * Observability rules: that the services, Istio's proxies, Prometheus and Kiali are wired to the
 * same backends. Apps and proxies send spans to one collector, with one sampling rate; Prometheus
 * scrapes every service (labelled `service`, as the recording rules group them); Kiali reads that
 * Prometheus (the one the operations page reads) and that tracing backend. Pure: objects in, problems out.
 */
import { ref, workloadEnv, type K8sObject, type Problem } from './objects.js';

/** The part of Istio's mesh config these rules read (k8s/istio/istio-operator.yaml, spec.meshConfig). */
export interface MeshConfig {
  extensionProviders?: Array<{ name: string; opentelemetry?: { service: string; port: number } }>;
}

type Selector = { matchLabels?: Record<string, string>; matchExpressions?: Array<{ key: string; operator: string; values?: string[] }> };

/** A label selector (matchLabels and matchExpressions) against a pod's labels. */
export function selects(selector: Selector | undefined, labels: Record<string, string> = {}): boolean {
  if (!selector) return false;
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpressions = (selector.matchExpressions ?? []).every((e) => {
    const has = e.key in labels;
    switch (e.operator) {
      case 'In':
        return has && (e.values ?? []).includes(labels[e.key]!);
      case 'NotIn':
        return !has || !(e.values ?? []).includes(labels[e.key]!);
      case 'Exists':
        return has;
      case 'DoesNotExist':
        return !has;
      default:
        return false;
    }
  });
  return byLabels && byExpressions;
}

/** `name.namespace` of a Service host or URL (`http://x.ns:4318`, `x.ns.svc.cluster.local`); a bare name is in `ns`. */
export function serviceHost(hostOrUrl: string, ns: string): string {
  let host = hostOrUrl;
  try {
    if (hostOrUrl.includes('://')) host = new URL(hostOrUrl).hostname;
  } catch {
    return hostOrUrl;
  }
  const [name, namespace = ns] = host.replace(/\.svc(\.cluster\.local)?$/, '').split('.');
  return `${name}.${namespace}`;
}

/** The share of root traces the services sample, in percent (OTEL_TRACES_SAMPLER[_ARG]). */
function samplingPercent(env: Record<string, string>): number {
  const sampler = env.OTEL_TRACES_SAMPLER ?? 'parentbased_always_on';
  if (sampler.endsWith('always_off')) return 0;
  if (sampler.endsWith('traceidratio')) return 100 * Number(env.OTEL_TRACES_SAMPLER_ARG ?? '1');
  return 100;
}

export function observabilityRules(
  objects: K8sObject[],
  workloads: K8sObject[],
  configMaps: K8sObject[],
  opts: { production?: boolean; meshConfig?: MeshConfig },
): Problem[] {
  const problems: Problem[] = [];
  const add = (o: K8sObject | string, rule: string, message: string) => problems.push({ object: typeof o === 'string' ? o : ref(o), rule, message });
  const of = (kind: string) => objects.filter((o) => o.kind === kind);
  const nsOf = (o: K8sObject) => o.metadata.namespace ?? '';
  // foodmesh's services: the workloads that verify users' tokens.
  const services = workloads.map((w) => ({ w, env: workloadEnv(w, configMaps) })).filter((s) => s.env.AUTH_ISSUER);
  if (services.length === 0) return problems;

  // Spans: every service exports them to one collector, sampling as the proxies do.
  const collectors = new Set<string>();
  const percents = new Set<number>();
  for (const { w, env } of services) {
    const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT;
    if (env.OTEL_TRACES_EXPORTER !== 'otlp' || !endpoint) {
      add(
        w,
        'tracing',
        `exports no spans (OTEL_TRACES_EXPORTER=${env.OTEL_TRACES_EXPORTER ?? 'unset'}): set otlp and OTEL_EXPORTER_OTLP_ENDPOINT to the mesh's collector`,
      );
      continue;
    }
    collectors.add(serviceHost(endpoint, nsOf(w)));
    percents.add(samplingPercent(env));
  }
  if (collectors.size > 1)
    add('ConfigMap', 'tracing', `the services send spans to different collectors (${[...collectors].join(', ')}): one trace needs one backend`);
  if (percents.size > 1) add('ConfigMap', 'tracing', `the services sample differently (${[...percents].join(' %, ')} %)`);
  const [collector] = collectors;
  const [percent] = percents;

  // Istio's proxies: their Telemetry sends spans through a provider of the mesh config, to the services' collector.
  const providers = new Map((opts.meshConfig?.extensionProviders ?? []).map((p) => [p.name, p]));
  const tracing = of('Telemetry').filter((t) => t.spec?.tracing?.length);
  for (const ns of new Set(services.map((s) => nsOf(s.w)))) {
    if (!tracing.some((t) => nsOf(t) === ns && !t.spec?.selector))
      add(`Namespace//${ns}`, 'tracing', "no namespace-wide Telemetry turns on the sidecars' tracing: Istio's spans would be missing from every trace");
  }
  for (const t of tracing) {
    for (const tr of t.spec.tracing) {
      if (percent !== undefined && (tr.randomSamplingPercentage ?? 1) !== percent) {
        add(
          t,
          'tracing',
          `samples ${tr.randomSamplingPercentage ?? 1} % of requests, the services ${percent} % (OTEL_TRACES_SAMPLER): traces would lose their app or proxy half`,
        );
      }
      for (const { name } of tr.providers ?? []) {
        if (!opts.meshConfig) continue;
        const provider = providers.get(name)?.opentelemetry;
        if (!provider) add(t, 'tracing', `provider ${name} is not an OpenTelemetry extensionProvider of k8s/istio/istio-operator.yaml`);
        else if (collector && serviceHost(provider.service, 'istio-system') !== collector) {
          add(t, 'tracing', `provider ${name} sends to ${provider.service}, the services to ${collector}: two backends, two halves of every trace`);
        }
      }
    }
  }

  // Prometheus scrapes every service, labelled `service`.
  const monitors = of('PodMonitor');
  for (const { w } of services) {
    const tpl = w.spec?.template?.metadata ?? {};
    const monitor = monitors.find((m) => nsOf(m) === nsOf(w) && selects(m.spec?.selector, tpl.labels));
    if (!monitor) {
      add(w, 'scrape', 'no PodMonitor selects its pods: Prometheus (recording rules, operations page, Kiali) would not see it');
      continue;
    }
    const labelsService = (monitor.spec.podMetricsEndpoints ?? []).every((e: any) =>
      (e.relabelings ?? []).some((r: any) => r.targetLabel === 'service' && (r.sourceLabels ?? []).includes('__meta_kubernetes_pod_label_app')),
    );
    if (!labelsService) add(monitor, 'scrape', "every endpoint must label its targets `service` from the pod's app label (the recording rules group by it)");
    if (tpl.annotations?.['prometheus.io/scrape'] !== 'true')
      add(w, 'scrape', "its pods need the prometheus.io/scrape annotation: Istio merges the app's metrics into the sidecar's endpoint by it");
  }
  if (of('PrometheusRule').length === 0)
    add('PrometheusRule', 'scrape', 'no PrometheusRule: the recording rules (observability/prometheus/rules.yaml) would not run in the cluster');

  // Kiali: the same Prometheus as the operations page, the same tracing backend as everyone.
  const kialis = of('Kiali');
  if (kialis.length !== 1) add('Kiali', 'kiali', `expected one Kiali CR, found ${kialis.length}`);
  const opsPrometheus = services.map((s) => s.env.OPS_PROMETHEUS_URL).find(Boolean);
  for (const k of kialis) {
    const ext = k.spec?.external_services ?? {};
    if (opsPrometheus && ext.prometheus?.url !== opsPrometheus)
      add(k, 'kiali', `reads Prometheus ${ext.prometheus?.url}, the operations page ${opsPrometheus}: one Prometheus for both`);
    if (ext.tracing?.enabled !== true || !ext.tracing?.internal_url)
      add(k, 'kiali', "tracing must be enabled with an internal_url: Kiali's graph leads to traces");
    else if (collector && serviceHost(ext.tracing.internal_url, nsOf(k)).split('.')[1] !== collector.split('.')[1]) {
      add(k, 'kiali', `queries traces at ${ext.tracing.internal_url}, but spans go to ${collector}: not the same backend`);
    }
    if (opts.production && (k.spec?.auth?.strategy ?? 'token') === 'anonymous')
      add(k, 'kiali', 'auth.strategy anonymous in production: anyone reaching Kiali sees (and may change) the mesh');
  }

  // The edge reaches that Prometheus through its sidecar.
  for (const { w, env } of services.filter((s) => s.env.OPS_PROMETHEUS_URL)) {
    const host = serviceHost(env.OPS_PROMETHEUS_URL!, nsOf(w));
    const [name, ns] = host.split('.');
    const sidecar = of('Sidecar').find(
      (sc) =>
        nsOf(sc) === nsOf(w) &&
        Object.entries(sc.spec?.workloadSelector?.labels ?? { '': '' }).every(([k, v]) => w.spec?.template?.metadata?.labels?.[k] === v),
    );
    const hosts: string[] = (sidecar?.spec?.egress ?? []).flatMap((e: any) => e.hosts ?? []);
    const allowed = hosts.some((h) => {
      const [hNs, hName] = h.split('/');
      return (hNs === ns || hNs === '*') && (hName === '*' || serviceHost(hName!, ns!) === `${name}.${ns}`);
    });
    if (sidecar && !allowed) add(sidecar, 'scrape', `its egress does not reach OPS_PROMETHEUS_URL (${host}): the operations page would have no figures`);
  }
  return problems;
}
