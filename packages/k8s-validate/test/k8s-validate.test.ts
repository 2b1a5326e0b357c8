import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse, stringify } from 'yaml';
import {
  ensureSchemas,
  findTools,
  loadIstioOperator,
  type MeshConfig,
  parseManifests,
  renderOverlay,
  REPO_ROOT,
  schemaCheck,
  validateDockerfile,
  validateRendered,
  type K8sObject,
  type Tools,
} from '../src/index';

/**
 * npm run k8s:validate, for real: kustomize renders both overlays, kubeconform checks every
 * object against the Kubernetes/Istio/Strimzi/CNPG schemas, the posture rules run, and
 * istioctl analyze too where it is installed. The first run installs the tools (about a
 * minute cold, from the Go module proxy); later runs reuse .foodmesh/.
 */
jest.setTimeout(10 * 60_000);

let tools: Tools;
let schemaDir: string;
let meshConfig: MeshConfig;
const rendered: Record<'dev' | 'prod', { text: string; objects: K8sObject[] }> = {} as never;

beforeAll(() => {
  execFileSync('bash', [path.join(REPO_ROOT, 'scripts/k8s-tools.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
  tools = findTools();
  schemaDir = ensureSchemas(tools);
  meshConfig = loadIstioOperator(tools, schemaDir).meshConfig;
  for (const overlay of ['dev', 'prod'] as const) {
    const text = renderOverlay(tools, path.join(REPO_ROOT, 'k8s/overlays', overlay));
    rendered[overlay] = { text, objects: parseManifests(text, overlay).objects };
  }
});

const ofKind = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind);
const named = (objects: K8sObject[], kind: string, name: string) => {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`${kind}/${name} not rendered`);
  return o;
};
/** An overlay with one change, as the YAML stream the validator gets. */
function overlayWith(overlay: 'dev' | 'prod', change: (objects: K8sObject[]) => void): string {
  const objects = structuredClone(rendered[overlay].objects);
  change(objects);
  // YAML 1.1, as kubeconform reads it: strings such as "on" stay quoted.
  return objects.map((o) => stringify(o, { version: '1.1' })).join('---\n');
}
const devWith = (change: (objects: K8sObject[]) => void) => overlayWith('dev', change);
const problemsOf = (text: string) => validateRendered(tools, schemaDir, text, 'broken').problems;
const prodProblemsOf = (change: (objects: K8sObject[]) => void) =>
  validateRendered(tools, schemaDir, overlayWith('prod', change), 'broken prod', { production: true }).problems;
const envOf = (d: K8sObject) => Object.fromEntries(d.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value ?? e.valueFrom]));

describe('npm run k8s:validate', () => {
  it('passes on the real dev and prod overlays', () => {
    const r = spawnSync('npm', ['run', '--silent', 'k8s:validate'], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(r.stdout).toContain('k8s/overlays/dev: ok');
    expect(r.stdout).toContain('k8s/overlays/prod: ok');
    expect(r.status).toBe(0);
  });

  it('fails, exit 1, on a rendered manifest with a Deployment that lost its probes', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k8s-broken-'));
    const file = path.join(dir, 'broken.yaml');
    fs.writeFileSync(
      file,
      devWith((objects) => {
        const c = named(objects, 'Deployment', 'payment').spec.template.spec.containers[0];
        delete c.livenessProbe;
        delete c.readinessProbe;
      }),
    );
    const r = spawnSync('npm', ['run', '--silent', 'k8s:validate', '--', file], { cwd: REPO_ROOT, encoding: 'utf8' });
    fs.rmSync(dir, { recursive: true, force: true });
    expect(r.stdout).toContain('[probes] Deployment/foodmesh/payment: container payment has no livenessProbe');
    expect(r.stdout).toContain('[probes] Deployment/foodmesh/payment: container payment has no readinessProbe');
    expect(r.status).toBe(1);
  });

  it('rejects a field of the wrong type (Kubernetes schema)', () => {
    const problems = problemsOf(
      devWith((objects) => {
        named(objects, 'Deployment', 'order').spec.template.spec.containers[0].ports[0].containerPort = 'fifty';
      }),
    );
    expect(problems).toContainEqual(
      expect.objectContaining({ rule: 'schema', object: 'Deployment/order', message: expect.stringContaining('containerPort: got string, want integer') }),
    );
  });

  it('rejects an unknown field in a Deployment (strict schema)', () => {
    const problems = problemsOf(
      devWith((objects) => {
        named(objects, 'Deployment', 'store').spec.template.spec.containers[0].readinessProbe.grpc.portt = 50051;
      }),
    );
    expect(problems).toContainEqual(
      expect.objectContaining({ rule: 'schema', object: 'Deployment/store', message: expect.stringContaining("'portt' not allowed") }),
    );
  });

  it('rejects an AuthorizationPolicy with an unknown field (Istio CRD schema)', () => {
    const problems = problemsOf(
      devWith((objects) => {
        const rule = named(objects, 'AuthorizationPolicy', 'payment').spec.rules[0];
        rule.from[0].source = { principalz: rule.from[0].source.principals };
      }),
    );
    expect(problems).toContainEqual(
      expect.objectContaining({ rule: 'schema', object: 'AuthorizationPolicy/payment', message: expect.stringContaining("'principalz' not allowed") }),
    );
  });

  it('rejects an Istio enum value Istio does not know', () => {
    const problems = problemsOf(
      devWith((objects) => {
        named(objects, 'PeerAuthentication', 'default').spec.mtls.mode = 'STRICTLY';
      }),
    );
    expect(problems).toContainEqual(expect.objectContaining({ rule: 'schema', object: 'PeerAuthentication/default' }));
    expect(problems).toContainEqual(expect.objectContaining({ rule: 'mtls' }));
  });

  it('rejects a kind it has no schema for, and a Strimzi field of the wrong type', () => {
    const problems = problemsOf(
      devWith((objects) => {
        named(objects, 'KafkaTopic', 'order.events').kind = 'KafkaTopik';
        named(objects, 'KafkaTopic', 'payment.events').spec.partitions = 'six';
      }),
    );
    expect(problems).toContainEqual(expect.objectContaining({ rule: 'schema', message: expect.stringContaining('could not find schema for KafkaTopik') }));
    expect(problems).toContainEqual(
      expect.objectContaining({ rule: 'schema', object: 'KafkaTopic/payment.events', message: expect.stringContaining('got string, want integer') }),
    );
  });

  it('rejects a patched copy of the generated payment DestinationRule', () => {
    const problems = problemsOf(
      devWith((objects) => {
        named(objects, 'DestinationRule', 'payment').spec.trafficPolicy.outlierDetection.consecutive5xxErrors = 50;
      }),
    );
    expect(problems).toContainEqual(expect.objectContaining({ rule: 'mesh-generated', object: 'DestinationRule/foodmesh/payment' }));
  });

  it('refuses a placeholder secret, any Secret at all, and demo sign-in or the fault knob in prod', () => {
    const problems = prodProblemsOf((objects) => {
      objects.push({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'order-db', namespace: 'foodmesh' },
        stringData: { username: 'order', password: 'change-me-order' },
      });
      named(objects, 'Deployment', 'edge').spec.template.spec.containers[0].env.push({ name: 'DEMO_SIGN_IN', value: 'on' });
      named(objects, 'Deployment', 'payment').spec.template.spec.containers[0].env.push({ name: 'PAYMENT_ADMIN_API', value: 'on' });
    });
    expect(problems.map((p) => `${p.rule} ${p.object}`)).toEqual([
      'secret-in-manifest Secret/foodmesh/order-db',
      'placeholder-secret Secret/foodmesh/order-db',
      'production Deployment/foodmesh/edge',
      'production Deployment/foodmesh/payment',
    ]);
  });

  it('refuses a RequestAuthentication that checks other tokens than the services do', () => {
    const problems = prodProblemsOf((objects) => {
      const ra = objects.find((o) => o.kind === 'RequestAuthentication' && o.metadata.namespace === 'istio-system')!;
      ra.spec.jwtRules[0].jwksUri = 'https://stale.example.com/jwks.json';
      delete ra.spec.jwtRules[0].forwardOriginalToken;
    });
    expect(problems.map((p) => `${p.rule} ${p.object}: ${p.message}`)).toEqual([
      "user-tokens RequestAuthentication/istio-system/foodmesh-users: its key set (jwksUri / jwks) is not the services' (AUTH_JWKS_URL / AUTH_JWKS)",
      'user-tokens RequestAuthentication/istio-system/foodmesh-users: needs forwardOriginalToken: true (the services verify the token again; the edge forwards it)',
    ]);
  });

  it('refuses traces, metrics and Kiali wired to different backends', () => {
    const problems = validateRendered(
      tools,
      schemaDir,
      devWith((objects) => {
        // The services' spans go elsewhere than the proxies' (and sample less), Kiali reads another
        // Prometheus than the operations page, and someone hand-edited a recording rule.
        const config = named(objects, 'ConfigMap', 'foodmesh-config').data!;
        config.OTEL_EXPORTER_OTLP_ENDPOINT = 'http://otel-collector.observability:4318';
        config.OTEL_TRACES_SAMPLER = 'parentbased_traceidratio';
        config.OTEL_TRACES_SAMPLER_ARG = '0.5';
        named(objects, 'Kiali', 'kiali').spec.external_services.prometheus.url = 'http://prometheus.istio-system:9090';
        named(objects, 'PrometheusRule', 'foodmesh-recording-rules').spec.groups[0].rules[0].expr = 'vector(1)';
        // And a service nobody scrapes.
        named(objects, 'Deployment', 'store').spec.template.metadata.labels.app = 'store-v2';
      }),
      'broken',
      { meshConfig },
    ).problems;
    expect(
      problems.filter((p) => ['tracing', 'kiali', 'scrape', 'prometheus-rules'].includes(p.rule)).map((p) => `${p.rule} ${p.object}: ${p.message}`),
    ).toEqual([
      'tracing Telemetry/foodmesh/default: samples 100 % of requests, the services 50 % (OTEL_TRACES_SAMPLER): traces would lose their app or proxy half',
      'tracing Telemetry/foodmesh/default: provider otel-tracing sends to jaeger-collector.istio-system.svc.cluster.local, the services to otel-collector.observability: two backends, two halves of every trace',
      'tracing Telemetry/istio-system/foodmesh-ingress-tracing: samples 100 % of requests, the services 50 % (OTEL_TRACES_SAMPLER): traces would lose their app or proxy half',
      'tracing Telemetry/istio-system/foodmesh-ingress-tracing: provider otel-tracing sends to jaeger-collector.istio-system.svc.cluster.local, the services to otel-collector.observability: two backends, two halves of every trace',
      'scrape Deployment/foodmesh/store: no PodMonitor selects its pods: Prometheus (recording rules, operations page, Kiali) would not see it',
      'kiali Kiali/istio-system/kiali: reads Prometheus http://prometheus.istio-system:9090, the operations page http://prometheus-operated.monitoring:9090: one Prometheus for both',
      'kiali Kiali/istio-system/kiali: queries traces at http://tracing.istio-system:16685/jaeger, but spans go to otel-collector.observability: not the same backend',
      'prometheus-rules PrometheusRule/foodmesh/foodmesh-recording-rules: differs from observability/prometheus/rules.yaml: change the rules file and run npm run observability:render, never patch it',
    ]);
  });

  it('refuses a Telemetry whose provider the mesh config lacks, and a Kiali anyone may open in production', () => {
    const problems = prodProblemsOf((objects) => {
      named(objects, 'Telemetry', 'default').spec.tracing[0].providers[0].name = 'zipkin';
      named(objects, 'Kiali', 'kiali').spec.auth.strategy = 'anonymous';
    });
    expect(problems.map((p) => `${p.rule} ${p.object}`)).toEqual(['kiali Kiali/istio-system/kiali']);
    const withMesh = validateRendered(
      tools,
      schemaDir,
      overlayWith('prod', (objects) => {
        named(objects, 'Telemetry', 'default').spec.tracing[0].providers[0].name = 'zipkin';
      }),
      'broken prod',
      { production: true, meshConfig },
    ).problems;
    expect(withMesh.map((p) => `${p.rule} ${p.object}: ${p.message}`)).toEqual([
      'tracing Telemetry/foodmesh/default: provider zipkin is not an OpenTelemetry extensionProvider of k8s/istio/istio-operator.yaml',
    ]);
  });

  it('refuses the prod overlay with an anonymous Kafka listener, no default-deny NetworkPolicy, asynchronous PostgreSQL or a connection budget its HPAs exceed', () => {
    const problems = prodProblemsOf((objects) => {
      const listener = named(objects, 'Kafka', 'foodmesh-kafka').spec.kafka.listeners[0];
      delete listener.authentication;
      listener.tls = false;
      objects.splice(objects.indexOf(named(objects, 'NetworkPolicy', 'default-deny')), 1);
      const pg = named(objects, 'Cluster', 'foodmesh-pg');
      delete pg.spec.postgresql.synchronous;
      pg.spec.managed.roles[0].connectionLimit = 20;
    });
    expect(problems.map((p) => `${p.rule} ${p.object}`).sort()).toEqual([
      'kafka-anonymous Kafka/foodmesh/foodmesh-kafka',
      'kafka-tls Kafka/foodmesh/foodmesh-kafka',
      'network-policy Namespace//foodmesh',
      'pg-connections Cluster/foodmesh/foodmesh-pg',
      'pg-sync-replication Cluster/foodmesh/foodmesh-pg',
    ]);
  });

  it('refuses the prod overlay letting the edge (no KafkaUser, no database) out to Kafka or PostgreSQL, and warns while the API server is open to the operator pods', () => {
    const problems = prodProblemsOf((objects) => {
      for (const name of ['kafka-clients', 'postgres-clients']) named(objects, 'NetworkPolicy', name).spec.podSelector.matchExpressions[0].values.push('edge');
    });
    expect(problems.map((p) => `${p.rule} ${p.object}: ${p.message}`).sort()).toEqual([
      'kafka-network NetworkPolicy/foodmesh/kafka-clients: lets edge reach Kafka (a KafkaUser), but it has none',
      'pg-network NetworkPolicy/foodmesh/postgres-clients: lets edge reach PostgreSQL (a database role), but it has none',
    ]);
    const warned = (change: (objects: K8sObject[]) => void) =>
      validateRendered(tools, schemaDir, overlayWith('prod', change), 'prod', { production: true })
        .warnings.filter((w) => w.rule === 'kube-api-open')
        .map((w) => w.object)
        .sort();
    expect(warned(() => undefined)).toEqual(['NetworkPolicy/foodmesh/kafka', 'NetworkPolicy/foodmesh/postgres']);
    expect(
      warned((objects) => {
        for (const name of ['postgres', 'kafka']) named(objects, 'NetworkPolicy', name).spec.egress[1].to[0].ipBlock.cidr = '10.0.0.1/32';
      }),
    ).toEqual([]);
  });

  describe('the notification webhook (components/notification-webhook), on in an overlay of prod', () => {
    /** Renders prod plus the component, with the webhook URL in the one ConfigMap it reads. */
    const prodWithWebhook = (url: string) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k8s-webhook-'));
      const rel = (p: string) => path.relative(dir, path.join(REPO_ROOT, p));
      fs.writeFileSync(
        path.join(dir, 'kustomization.yaml'),
        stringify({ resources: [rel('k8s/overlays/prod'), 'webhook.yaml'], components: [rel('k8s/components/notification-webhook')] }),
      );
      fs.writeFileSync(
        path.join(dir, 'webhook.yaml'),
        stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'notification-webhook', namespace: 'foodmesh' }, data: { url } }),
      );
      try {
        const text = renderOverlay(tools, dir);
        return {
          objects: parseManifests(text, 'webhook').objects,
          problems: validateRendered(tools, schemaDir, text, 'prod + webhook', { production: true }).problems,
        };
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    };

    it("takes the ServiceEntry's and the Sidecar's host from the webhook URL the service gets", () => {
      const { objects, problems } = prodWithWebhook('https://alerts.partner.co.kr/foodmesh/notify');
      expect(problems).toEqual([]);
      expect(named(objects, 'ServiceEntry', 'notification-webhook').spec.hosts).toEqual(['alerts.partner.co.kr']);
      expect(named(objects, 'Sidecar', 'notification').spec.egress[0].hosts).toContain('./alerts.partner.co.kr');
      expect(envOf(named(objects, 'Deployment', 'notification')).NOTIFICATION_WEBHOOK_URL).toEqual({
        configMapKeyRef: { name: 'notification-webhook', key: 'url' },
      });
    });

    it('refuses a placeholder host in production', () => {
      const { problems } = prodWithWebhook('https://hooks.example.com/foodmesh');
      expect(problems.map((p) => `${p.rule} ${p.object}`)).toEqual(['placeholder-host ServiceEntry/foodmesh/notification-webhook']);
    });
  });

  it('checks the IstioOperator Istio is installed with against its schema', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'k8s-iop-'));
    fs.mkdirSync(path.join(root, 'k8s/istio'), { recursive: true });
    const iop = parse(fs.readFileSync(path.join(REPO_ROOT, 'k8s/istio/istio-operator.yaml'), 'utf8'));
    iop.spec.meshConfig.extensionProviders[0].opentelemetry.port = '4317';
    fs.writeFileSync(path.join(root, 'k8s/istio/istio-operator.yaml'), stringify(iop));
    const { problems } = loadIstioOperator(tools, schemaDir, root);
    fs.rmSync(root, { recursive: true, force: true });
    expect(problems).toEqual([expect.objectContaining({ rule: 'schema', message: expect.stringContaining('got string, want integer') })]);
    expect(loadIstioOperator(tools, schemaDir).problems).toEqual([]);
  });

  // Opt-in (FOODMESH_ISTIOCTL=1 npm run k8s:tools builds istioctl, ~5 min): defined only where it is installed.
  if (fs.existsSync(path.join(REPO_ROOT, '.foodmesh/bin/istioctl')))
    it('istioctl analyze also rejects the broken AuthorizationPolicy', () => {
      const problems = problemsOf(
        devWith((objects) => {
          const rule = named(objects, 'AuthorizationPolicy', 'payment').spec.rules[0];
          rule.from[0].source = { principalz: rule.from[0].source.principals };
        }),
      );
      expect(problems).toContainEqual(expect.objectContaining({ rule: 'istioctl-analyze', message: expect.stringContaining('IST0106') }));
    });
});

describe.each(['dev', 'prod'] as const)('the %s overlay', (overlay) => {
  const objects = () => rendered[overlay].objects;
  const deployments = () => ofKind(objects(), 'Deployment');
  const SERVICES = ['order', 'payment', 'store', 'delivery', 'orderview', 'notification', 'edge'];

  it('has a Deployment, Service, ServiceAccount, PDB and autoscaling/v2 HPA per service', () => {
    expect(
      deployments()
        .map((d) => d.metadata.name)
        .sort(),
    ).toEqual([...SERVICES].sort());
    for (const name of SERVICES) {
      expect(named(objects(), 'ServiceAccount', name)).toBeDefined();
      expect(named(objects(), 'Service', name)).toBeDefined();
      expect(named(objects(), 'PodDisruptionBudget', name)).toBeDefined();
      const hpa = named(objects(), 'HorizontalPodAutoscaler', name);
      expect(hpa.apiVersion).toBe('autoscaling/v2');
      expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name });
      expect(hpa.spec.metrics.map((m: any) => m.resource.name)).toEqual(['cpu', 'memory']);
      expect(hpa.spec.minReplicas).toBe(overlay === 'prod' ? 2 : 1);
    }
  });

  it('runs every workload with gRPC probes, limits, non-root and a read-only root filesystem', () => {
    for (const d of deployments()) {
      const pod = d.spec.template.spec;
      expect(d.spec.template.metadata.labels).toEqual(expect.objectContaining({ app: d.metadata.name, version: expect.any(String) }));
      expect(pod.serviceAccountName).toBe(d.metadata.name);
      expect(pod.securityContext).toEqual(expect.objectContaining({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }));
      for (const c of pod.containers) {
        expect(c.livenessProbe.grpc.port).toBe(50051);
        expect(c.readinessProbe.grpc.port).toBe(50051);
        expect(c.resources.limits).toEqual({ cpu: expect.anything(), memory: expect.anything() });
        expect(c.resources.requests).toEqual({ cpu: expect.anything(), memory: expect.anything() });
        expect(c.securityContext).toEqual({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          runAsNonRoot: true,
          capabilities: { drop: ['ALL'] },
        });
      }
      const grace = Number(named(objects(), 'ConfigMap', 'foodmesh-config').data!.SHUTDOWN_GRACE_MS);
      expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(grace);
    }
  });

  it('names every Service port grpc-… or http-… with an appProtocol', () => {
    const ports = ofKind(objects(), 'Service').flatMap((s) => s.spec.ports);
    expect(ports.length).toBeGreaterThanOrEqual(8);
    for (const p of ports) expect(`${p.name}:${p.appProtocol}`).toMatch(/^(grpc-[a-z-]+:grpc|http-[a-z-]+:http)$/);
  });

  it('enforces STRICT mTLS in an injected namespace', () => {
    expect(named(objects(), 'Namespace', 'foodmesh').metadata.labels?.['istio-injection']).toBe('enabled');
    const pa = ofKind(objects(), 'PeerAuthentication');
    expect(pa).toEqual([expect.objectContaining({ metadata: expect.objectContaining({ namespace: 'foodmesh' }), spec: { mtls: { mode: 'STRICT' } } })]);
  });

  it("admits the order service account to payment's PaymentService, the edge to ListPayments only, and nobody else to payment", () => {
    const onPayment = ofKind(objects(), 'AuthorizationPolicy').filter((a) => a.spec?.selector?.matchLabels?.app === 'payment');
    const grants = onPayment.flatMap((a) => {
      expect(a.spec.action).toBe('ALLOW');
      return a.spec.rules.map((r: any) => ({
        principals: r.from.flatMap((f: any) => f.source.principals),
        paths: r.to.flatMap((t: any) => t.operation.paths),
      }));
    });
    const paymentService = grants.filter((g) => g.paths.some((p: string) => p.startsWith('/foodmesh.payment.v1.PaymentService/')));
    expect(paymentService).toEqual([
      { principals: ['cluster.local/ns/foodmesh/sa/order'], paths: ['/foodmesh.payment.v1.PaymentService/*'] },
      { principals: ['cluster.local/ns/foodmesh/sa/edge'], paths: ['/foodmesh.payment.v1.PaymentService/ListPayments'] },
    ]);
    // Every other grant on payment is the admin API, for the dev-only ops identity.
    const others = grants.filter((g) => !paymentService.includes(g));
    expect(others).toEqual(
      overlay === 'dev' ? [{ principals: ['cluster.local/ns/foodmesh/sa/ops'], paths: ['/foodmesh.payment.v1.PaymentAdminService/*'] }] : [],
    );
    // Deny by default: without a matching ALLOW nothing gets through.
    expect(named(objects(), 'AuthorizationPolicy', 'allow-nothing').spec).toEqual({});
  });

  it("checks users' tokens at the ingress and in every sidecar with the services' issuer, audience and keys", () => {
    const config = named(objects(), 'ConfigMap', 'foodmesh-config').data!;
    const ras = ofKind(objects(), 'RequestAuthentication');
    expect(ras.map((r) => `${r.metadata.namespace}/${r.metadata.name} ${JSON.stringify(r.spec.selector ?? null)}`).sort()).toEqual([
      'foodmesh/users null',
      'istio-system/foodmesh-users {"matchLabels":{"istio":"ingressgateway"}}',
    ]);
    const keys = overlay === 'prod' ? { jwksUri: config.AUTH_JWKS_URL } : { jwks: config.AUTH_JWKS };
    for (const r of ras)
      expect(r.spec.jwtRules).toEqual([{ issuer: config.AUTH_ISSUER, audiences: [config.AUTH_AUDIENCE], forwardOriginalToken: true, ...keys }]);
    // At the gateway: no token, no public API (dev: except the demo sign-in); the web app's files need none.
    const gate = named(objects(), 'AuthorizationPolicy', 'foodmesh-require-token');
    expect(gate.metadata.namespace).toBe('istio-system');
    expect(gate.spec.action).toBe('DENY');
    expect(gate.spec.rules).toEqual([
      {
        from: [{ source: { notRequestPrincipals: ['*'] } }],
        to: [
          {
            operation: {
              paths: ['/foodmesh.edge.v1.*'],
              ...(overlay === 'dev' && { notPaths: ['/foodmesh.edge.v1.AuthService/SignIn', '/foodmesh.edge.v1.AuthService/ListDemoUsers'] }),
            },
          },
        ],
      },
    ]);
    // Behind the edge: the edge's identity AND a user's valid token, for every service it calls for users.
    for (const svc of ['order', 'store', 'delivery', 'orderview', 'notification']) {
      expect(named(objects(), 'AuthorizationPolicy', svc).spec.rules.map((r: any) => r.from)).toEqual([
        [{ source: { principals: ['cluster.local/ns/foodmesh/sa/edge'], requestPrincipals: ['*'] } }],
      ]);
    }
    expect(config.WORKLOAD_IDENTITY).toBe('mesh');
  });

  it(
    overlay === 'prod'
      ? 'is production: no demo sign-in, no fault knob, no reflection, no Secret in the manifests'
      : 'is development: demo sign-in with a generated key, the fault knob, reflection',
    () => {
      const config = named(objects(), 'ConfigMap', 'foodmesh-config').data!;
      const edge = envOf(named(objects(), 'Deployment', 'edge'));
      const payment = envOf(named(objects(), 'Deployment', 'payment'));
      const secrets = ofKind(objects(), 'Secret');
      if (overlay === 'prod') {
        expect([config.FOODMESH_ENV, config.GRPC_REFLECTION, config.AUTH_JWKS]).toEqual(['production', undefined, undefined]);
        expect([edge.DEMO_SIGN_IN, edge.DEMO_SIGNING_KEY, payment.PAYMENT_ADMIN_API]).toEqual([undefined, undefined, undefined]);
        expect(secrets).toEqual([]);
      } else {
        expect([config.FOODMESH_ENV, config.GRPC_REFLECTION, config.AUTH_JWKS_URL]).toEqual(['development', 'on', undefined]);
        expect([edge.DEMO_SIGN_IN, edge.DEMO_SIGNING_KEY, payment.PAYMENT_ADMIN_API]).toEqual([
          'on',
          { secretKeyRef: { name: 'edge-demo-signing-key', key: 'jwk' } },
          'on',
        ]);
        expect(secrets.map((s) => s.metadata.name).sort()).toEqual([
          'delivery-db',
          'edge-demo-signing-key',
          'notification-db',
          'order-db',
          'orderview-db',
          'payment-db',
          'store-db',
        ]);
        // Generated: a key whose public half is the key set everyone verifies with, and real passwords.
        const jwk = JSON.parse(Buffer.from(named(objects(), 'Secret', 'edge-demo-signing-key').data!.jwk!, 'base64').toString());
        const { d, ...publicHalf } = jwk;
        expect(d).toEqual(expect.any(String));
        expect(JSON.parse(config.AUTH_JWKS!)).toEqual({ keys: [publicHalf] });
        for (const s of secrets.filter((x) => x.metadata.name.endsWith('-db')))
          expect(Buffer.from(s.data!.password!, 'base64').toString()).toMatch(/^[0-9a-f]{48}$/);
      }
    },
  );

  it('lets only the ingress gateway reach the edge: gRPC on its gRPC port, everything else on its web port', () => {
    expect(named(objects(), 'AuthorizationPolicy', 'edge').spec.rules).toEqual([
      {
        from: [{ source: { principals: ['cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account'] } }],
        to: [{ operation: { ports: ['8080', '50051'] } }],
      },
    ]);
    const vs = named(objects(), 'VirtualService', 'edge');
    expect(vs.spec.gateways).toEqual(['foodmesh']);
    const [grpcRoute, webRoute] = vs.spec.http;
    // gRPC (HTTP/2 end to end, e.g. ghz in the HPA drill) but not gRPC-web, which browsers send to the web port.
    const contentType = new RegExp(grpcRoute.match[0].headers['content-type'].regex);
    expect(['application/grpc', 'application/grpc+proto'].map((t) => contentType.test(t))).toEqual([true, true]);
    expect(['application/grpc-web+proto', 'application/grpc-web-text', 'application/json'].some((t) => contentType.test(t))).toBe(false);
    expect(grpcRoute.route[0].destination).toEqual({ host: 'edge', port: { number: 50051 } });
    expect(webRoute.match).toBeUndefined();
    expect(webRoute.route[0].destination).toEqual({ host: 'edge', port: { number: 8080 } });
    expect(webRoute.corsPolicy.exposeHeaders).toEqual(expect.arrayContaining(['grpc-status', 'grpc-message']));
  });

  it('ships the payment DestinationRule/VirtualService exactly as rendered from mesh/policy.yaml', () => {
    for (const [kind, file] of [
      ['DestinationRule', 'payment-destinationrule.yaml'],
      ['VirtualService', 'payment-virtualservice.yaml'],
    ]) {
      const generated = parse(fs.readFileSync(path.join(REPO_ROOT, 'k8s/base/mesh', file), 'utf8')) as K8sObject;
      const o = named(objects(), kind, 'payment');
      expect(o.metadata.labels?.['app.kubernetes.io/managed-by']).toBe('mesh-render');
      expect(o.spec).toEqual(generated.spec);
    }
  });

  it("sends the services' and the proxies' spans to one backend, scrapes every service, and shows both in Kiali", () => {
    const config = named(objects(), 'ConfigMap', 'foodmesh-config').data!;
    const provider = meshConfig.extensionProviders!.find((p) => p.name === 'otel-tracing')!.opentelemetry!;
    expect([config.OTEL_TRACES_EXPORTER, config.OTEL_EXPORTER_OTLP_ENDPOINT]).toEqual([
      'otlp',
      `http://${provider.service.replace('.svc.cluster.local', '')}:4318`,
    ]);
    const percent = overlay === 'prod' ? 10 : 100;
    expect(
      ofKind(objects(), 'Telemetry')
        .map((t) => `${t.metadata.namespace}/${t.metadata.name} ${t.spec.tracing[0].providers[0].name} ${t.spec.tracing[0].randomSamplingPercentage}`)
        .sort(),
    ).toEqual([`foodmesh/default otel-tracing ${percent}`, `istio-system/foodmesh-ingress-tracing otel-tracing ${percent}`]);
    expect(config.OTEL_TRACES_SAMPLER_ARG).toBe(overlay === 'prod' ? '0.1' : undefined);
    const monitor = named(objects(), 'PodMonitor', 'foodmesh');
    expect(monitor.spec.selector.matchExpressions[0].values.sort()).toEqual([...SERVICES].sort());
    const kiali = named(objects(), 'Kiali', 'kiali');
    expect(kiali.spec.external_services.prometheus.url).toBe(envOf(named(objects(), 'Deployment', 'edge')).OPS_PROMETHEUS_URL);
    expect(kiali.spec.external_services.tracing).toEqual(
      expect.objectContaining({ enabled: true, provider: 'jaeger', internal_url: 'http://tracing.istio-system:16685/jaeger' }),
    );
    expect(kiali.spec.auth.strategy).toBe(overlay === 'prod' ? 'token' : 'anonymous');
    const rules = parse(fs.readFileSync(path.join(REPO_ROOT, 'observability/prometheus/rules.yaml'), 'utf8'));
    expect(named(objects(), 'PrometheusRule', 'foodmesh-recording-rules').spec.groups).toEqual(rules.groups);
  });

  it('declares the four producer topics with 6 partitions and one database per service', () => {
    const topics = ofKind(objects(), 'KafkaTopic');
    expect(topics.map((t) => t.spec.topicName).sort()).toEqual(['delivery.events', 'order.events', 'payment.events', 'store.events']);
    for (const t of topics) expect(t.spec.partitions).toBe(6);
    const dbs = ofKind(objects(), 'Database')
      .map((d) => `${d.spec.name}:${d.spec.owner}`)
      .sort();
    expect(dbs).toEqual(['delivery:delivery', 'notification:notification', 'order:order', 'orderview:orderview', 'payment:payment', 'store:store']);
  });
});

describe('Dockerfile', () => {
  const dockerfile = fs.readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');

  it('builds from an exact Node release of the major package.json requires and runs as the uid the Deployments require', () => {
    expect(validateDockerfile().problems).toEqual([]);
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:24\.\d+\.\d+-bookworm-slim/m);
    expect(dockerfile).toMatch(/^USER 1000:1000$/m);
    for (const d of ofKind(rendered.prod.objects, 'Deployment')) expect(d.spec.template.spec.securityContext.runAsUser).toBe(1000);
  });

  it('copies every path the runtime loads from the repository layout', () => {
    for (const p of ['/app/proto', '/app/mesh', '/app/packages/platform/migrations', '/app/services/${SERVICE}/dist', '/app/services/${SERVICE}/migrations']) {
      expect(dockerfile).toContain(`COPY --from=build ${p} `);
    }
    expect(dockerfile).toContain('ln -s "services/${SERVICE}/dist/main.js" main.js');
  });
});

describe('scripts/pin-images.sh', () => {
  it("writes each image's registry digest where it is named, after which the prod overlay warns of no unpinned image", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pin-images-'));
    try {
      for (const p of ['Dockerfile', 'scripts/pin-images.sh', 'k8s']) fs.cpSync(path.join(REPO_ROOT, p), path.join(root, p), { recursive: true });
      // The registry, as crane answers it: a digest per reference (here its sha256, so each differs).
      const bin = path.join(root, 'bin');
      fs.mkdirSync(bin);
      fs.writeFileSync(path.join(bin, 'crane'), '#!/bin/sh\n[ "$1" = digest ] && printf "sha256:%s\\n" "$(printf %s "$2" | sha256sum | cut -c1-64)"\n', {
        mode: 0o755,
      });
      const sha = (ref: string) => `sha256:${createHash('sha256').update(ref).digest('hex')}`;
      const unpinned = (text: string) =>
        validateRendered(tools, schemaDir, text, 'prod', { production: true })
          .warnings.filter((w) => w.rule === 'image-digest')
          .map((w) => w.object.split('/')[2]);
      expect(unpinned(rendered.prod.text).sort()).toEqual(['delivery', 'edge', 'foodmesh-kafka', 'notification', 'order', 'orderview', 'payment', 'store']);
      const r = spawnSync('bash', [path.join(root, 'scripts/pin-images.sh')], {
        encoding: 'utf8',
        env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
      });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toContain(`quay.io/strimzi/operator:1.2.0@${sha('quay.io/strimzi/operator:1.2.0')}`);
      expect(r.stdout).toContain(`ghcr.io/cloudnative-pg/cloudnative-pg:1.30.0@${sha('ghcr.io/cloudnative-pg/cloudnative-pg:1.30.0')}`);
      expect(fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8')).toContain(
        `ARG NODE_IMAGE=node:24.21.0-bookworm-slim@${sha('node:24.21.0-bookworm-slim')}\n`,
      );
      const text = renderOverlay(tools, path.join(root, 'k8s/overlays/prod'));
      expect(unpinned(text)).toEqual([]);
      const { objects } = parseManifests(text, 'pinned prod');
      expect(named(objects, 'Kafka', 'foodmesh-kafka').spec.kafka.image).toBe(
        `quay.io/strimzi/kafka:1.2.0-kafka-4.3.1@${sha('quay.io/strimzi/kafka:1.2.0-kafka-4.3.1')}`,
      );
      expect(named(objects, 'Deployment', 'order').spec.template.spec.containers[0].image).toBe(
        `registry.example.com/foodmesh/order:0.1.0@${sha('registry.example.com/foodmesh/order:0.1.0')}`,
      );
      expect(named(objects, 'Cluster', 'foodmesh-pg').spec.imageName).toMatch(
        /^ghcr\.io\/cloudnative-pg\/postgresql:17\.11-202608170816-system-bookworm@sha256:[0-9a-f]{64}$/,
      );
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('scripts/pg-restore.sh', () => {
  const script = path.join(REPO_ROOT, 'scripts/pg-restore.sh');
  const restore = (...args: string[]) => spawnSync('bash', [script, ...args], { encoding: 'utf8' });

  it("prints a Cluster the CloudNativePG schema accepts: the prod cluster's backups replayed to the target, on its image and settings", () => {
    const r = restore('2026-11-26 05:40:00+00', 'foodmesh-pg-restored');
    expect(r.status).toBe(0);
    expect(schemaCheck(tools, schemaDir, r.stdout)).toEqual([]);
    const restored = parse(r.stdout) as K8sObject;
    const prod = named(rendered.prod.objects, 'Cluster', 'foodmesh-pg');
    expect(restored.spec.bootstrap.recovery).toEqual({ source: 'foodmesh-pg', recoveryTarget: { targetTime: '2026-11-26 05:40:00+00' } });
    const { retentionPolicy: _, ...store } = prod.spec.backup;
    const { data: __, ...archive } = store.barmanObjectStore;
    expect(restored.spec.externalClusters).toEqual([{ name: 'foodmesh-pg', barmanObjectStore: archive }]);
    for (const field of ['instances', 'imageName', 'inheritedMetadata', 'storage']) expect(restored.spec[field]).toEqual(prod.spec[field]);
    expect(restored.spec.postgresql.synchronous).toEqual(prod.spec.postgresql.synchronous);
    expect(restored.spec.postgresql.parameters.max_connections).toBe(prod.spec.postgresql.parameters.max_connections);
  });

  it('fails the schema check once a field is misplaced (the check bites)', () => {
    const broken = restore('2026-11-26 05:40:00+00').stdout.replace('recoveryTarget:', 'recoveryTargets:');
    expect(schemaCheck(tools, schemaDir, broken)).toEqual([expect.objectContaining({ rule: 'schema', message: expect.stringContaining('recoveryTargets') })]);
  });

  it('refuses a target without its zone and the running cluster as the new name', () => {
    expect(restore('2026-11-26 05:40:00')).toMatchObject({ status: 2, stdout: '', stderr: expect.stringContaining('with its zone') });
    expect(restore('2026-11-26 05:40:00+00', 'foodmesh-pg')).toMatchObject({
      status: 2,
      stdout: '',
      stderr: expect.stringContaining('must be a new cluster name'),
    });
  });
});
