import { networkWarnings } from './network-posture';
import { checkPosture, type K8sObject } from './posture';

/** A minimal meshed service that satisfies every rule; each test breaks one thing. */
function fixture(): K8sObject[] {
  const ns = 'shop';
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { 'istio-injection': 'enabled' } } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: ns }, data: { SHUTDOWN_GRACE_MS: '20000' } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'api', namespace: ns } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'caller', namespace: ns } },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'api', namespace: ns },
      spec: {
        selector: { matchLabels: { app: 'api' } },
        template: {
          metadata: { labels: { app: 'api', version: 'v1' } },
          spec: {
            serviceAccountName: 'api',
            terminationGracePeriodSeconds: 30,
            securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
            topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway' }],
            containers: [
              {
                name: 'api',
                image: 'api',
                envFrom: [{ configMapRef: { name: 'cfg' } }],
                livenessProbe: { grpc: { port: 50051 } },
                readinessProbe: { grpc: { port: 50051 } },
                resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '256Mi' } },
                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
              },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'api', namespace: ns },
      spec: { selector: { app: 'api' }, ports: [{ name: 'grpc-api', port: 50051, appProtocol: 'grpc' }] },
    },
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'api', namespace: ns },
      spec: { maxUnavailable: 1, selector: { matchLabels: { app: 'api' } } },
    },
    {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'api', namespace: ns },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' },
        maxReplicas: 3,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } }],
        behavior: { scaleUp: {}, scaleDown: {} },
      },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'default-deny', namespace: ns },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    },
    {
      apiVersion: 'kafka.strimzi.io/v1',
      kind: 'Kafka',
      metadata: { name: 'bus', namespace: ns },
      spec: {
        kafka: {
          listeners: [
            {
              name: 'tls',
              port: 9093,
              type: 'internal',
              tls: true,
              authentication: { type: 'scram-sha-512' },
              networkPolicyPeers: [{ podSelector: { matchLabels: { app: 'api' } } }],
            },
          ],
          authorization: { type: 'simple' },
        },
      },
    },
    {
      apiVersion: 'postgresql.cnpg.io/v1',
      kind: 'Cluster',
      metadata: { name: 'db', namespace: ns },
      spec: {
        instances: 2,
        postgresql: { parameters: { max_connections: '100' }, synchronous: { method: 'any', number: 1, dataDurability: 'required' } },
        backup: { retentionPolicy: '30d' },
        // the api: HPA max 3 × (pool 10 + its NOTIFY listener) = 33
        managed: { roles: [{ name: 'api', connectionLimit: 33 }] },
      },
    },
    { apiVersion: 'kafka.strimzi.io/v1', kind: 'KafkaUser', metadata: { name: 'api', namespace: ns }, spec: { authentication: { type: 'scram-sha-512' } } },
    {
      apiVersion: 'postgresql.cnpg.io/v1',
      kind: 'ScheduledBackup',
      metadata: { name: 'db-daily', namespace: ns },
      spec: { cluster: { name: 'db' }, schedule: '0 0 3 * * *' },
    },
    { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'default', namespace: ns }, spec: { mtls: { mode: 'STRICT' } } },
    { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'allow-nothing', namespace: ns }, spec: {} },
    {
      apiVersion: 'security.istio.io/v1',
      kind: 'AuthorizationPolicy',
      metadata: { name: 'api', namespace: ns },
      spec: {
        selector: { matchLabels: { app: 'api' } },
        action: 'ALLOW',
        rules: [{ from: [{ source: { principals: [`cluster.local/ns/${ns}/sa/caller`] } }], to: [{ operation: { paths: ['/shop.v1.Api/*'] } }] }],
      },
    },
  ];
}

const rules = (objects: K8sObject[]) => checkPosture(objects).map((p) => p.rule);
const deployment = (objects: K8sObject[]) => objects.find((o) => o.kind === 'Deployment')!;
const container = (objects: K8sObject[]) => deployment(objects).spec.template.spec.containers[0];

describe('checkPosture', () => {
  it('accepts a service that follows every rule', () => {
    expect(checkPosture(fixture())).toEqual([]);
  });

  it('accepts it as production too', () => {
    expect(checkPosture(fixture(), { production: true }).filter((p) => p.rule.startsWith('pg-') || p.rule.startsWith('kafka-'))).toEqual([]);
  });

  it('rejects a namespace without a default-deny NetworkPolicy, or one that allows something', () => {
    expect(rules(fixture().filter((o) => o.kind !== 'NetworkPolicy'))).toEqual(['network-policy']);
    const objects = fixture();
    objects.find((o) => o.kind === 'NetworkPolicy')!.spec.ingress = [{ from: [{ podSelector: {} }] }];
    expect(rules(objects)).toEqual(['network-policy']);
  });

  it('rejects an anonymous Kafka listener, one any pod reaches, and Kafka without authorization; in production a cleartext one', () => {
    const objects = fixture();
    const kafka = objects.find((o) => o.kind === 'Kafka')!.spec.kafka;
    kafka.listeners = [{ name: 'plain', port: 9092, type: 'internal', tls: false }];
    delete kafka.authorization;
    expect(rules(objects).sort()).toEqual(['kafka-anonymous', 'kafka-authorization', 'kafka-network']);
    expect(checkPosture(objects, { production: true }).map((p) => p.rule)).toContain('kafka-tls');
  });

  describe('who reaches the data stores', () => {
    /** A second workload, `web`, with neither a KafkaUser nor a database role. */
    const withWeb = () => {
      const objects = fixture();
      const web = structuredClone(deployment(objects));
      web.metadata.name = 'web';
      web.spec.template.metadata.labels = { app: 'web', version: 'v1' };
      return { objects: [...objects, web], web };
    };
    const egressTo = (name: string, apps: string[], to: object, port: number): K8sObject => ({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name, namespace: 'shop' },
      spec: {
        podSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: apps }] },
        policyTypes: ['Egress'],
        egress: [{ to: [to], ports: [{ protocol: 'TCP', port }] }],
      },
    });
    const messages = (objects: K8sObject[]) =>
      checkPosture(objects)
        .filter((p) => p.rule.endsWith('-network'))
        .map((p) => `${p.rule}: ${p.message}`);

    it('lets only workloads with a KafkaUser out to Kafka, and into its listener', () => {
      const { objects } = withWeb();
      const kafkaPods = { podSelector: { matchLabels: { 'strimzi.io/cluster': 'bus' } } };
      expect(messages([...objects, egressTo('kafka-clients', ['api'], kafkaPods, 9093)])).toEqual([]);
      expect(messages([...objects, egressTo('kafka-clients', ['api', 'web'], kafkaPods, 9093)])).toEqual([
        'kafka-network: lets web reach Kafka (a KafkaUser), but it has none',
      ]);
      objects.find((o) => o.kind === 'Kafka')!.spec.kafka.listeners[0].networkPolicyPeers = [
        { podSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['api', 'web'] }] } },
      ];
      expect(messages(objects)).toEqual(['kafka-network: lets web reach listener tls (a KafkaUser), but it has none']);
    });

    it('lets only workloads with a database role out to PostgreSQL', () => {
      const { objects } = withWeb();
      const pgPods = { podSelector: { matchLabels: { 'cnpg.io/cluster': 'db' } } };
      expect(messages([...objects, egressTo('pg-clients', ['api'], pgPods, 5432)])).toEqual([]);
      expect(messages([...objects, egressTo('pg-clients', ['api', 'web'], pgPods, 5432)])).toEqual([
        'pg-network: lets web reach PostgreSQL (a database role), but it has none',
      ]);
    });

    it("warns (without failing) where operator pods may reach the Kubernetes API anywhere, until the overlay names the API server's CIDR", () => {
      const apiServer = (cidr: string) => [
        {
          ...egressTo('db', ['x'], { ipBlock: { cidr } }, 443),
          spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr } }], ports: [{ port: 443 }, { port: 6443 }] }] },
        },
      ];
      expect(networkWarnings(apiServer('0.0.0.0/0')).map((w) => w.rule)).toEqual(['kube-api-open']);
      expect(networkWarnings(apiServer('10.20.0.0/28'))).toEqual([]);
      expect(checkPosture([...fixture(), ...apiServer('0.0.0.0/0')])).toEqual([]);
    });
  });

  describe("the webhook's way out", () => {
    const WEBHOOK = 'https://alerts.partner.co.kr/shop/notify';
    /** The api configured with a webhook URL from a ConfigMap, its ServiceEntry and Sidecar naming `host`. */
    const withWebhook = (url: string, host: string) => {
      const objects = fixture();
      container(objects).env = [{ name: 'NOTIFICATION_WEBHOOK_URL', valueFrom: { configMapKeyRef: { name: 'webhook', key: 'url' } } }];
      const sidecar: K8sObject = {
        apiVersion: 'networking.istio.io/v1',
        kind: 'Sidecar',
        metadata: { name: 'api', namespace: 'shop' },
        spec: { workloadSelector: { labels: { app: 'api' } }, egress: [{ hosts: [`./${host}`, 'istio-system/*'] }] },
      };
      const entry: K8sObject = {
        apiVersion: 'networking.istio.io/v1',
        kind: 'ServiceEntry',
        metadata: { name: 'webhook', namespace: 'shop' },
        spec: { hosts: [host], location: 'MESH_EXTERNAL', resolution: 'DNS', ports: [{ number: 443, name: 'https', protocol: 'TLS' }] },
      };
      return [...objects, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'webhook', namespace: 'shop' }, data: { url } }, sidecar, entry];
    };

    it('accepts a webhook whose host the ServiceEntry and the Sidecar name', () => {
      expect(
        checkPosture(withWebhook(WEBHOOK, 'alerts.partner.co.kr'), { production: true }).filter((p) => p.rule.includes('webhook') || p.rule.includes('host')),
      ).toEqual([]);
    });

    it("refuses a ServiceEntry or Sidecar for another host than the URL's, and a URL not on https:443", () => {
      expect(rules(withWebhook(WEBHOOK, 'hooks.partner.co.kr'))).toEqual(['webhook-egress', 'webhook-egress']);
      expect(checkPosture(withWebhook('http://alerts.partner.co.kr/x', 'alerts.partner.co.kr')).map((p) => p.message)).toEqual([
        'NOTIFICATION_WEBHOOK_URL http://alerts.partner.co.kr/x is not an https URL on the default port (the ServiceEntry opens 443 only)',
      ]);
    });

    it('refuses a placeholder host in production only', () => {
      const objects = withWebhook('https://hooks.example.com/x', 'hooks.example.com');
      expect(rules(objects)).toEqual([]);
      expect(
        checkPosture(objects, { production: true })
          .filter((p) => p.rule === 'placeholder-host')
          .map((p) => p.message),
      ).toEqual(["host hooks.example.com is a placeholder: set the real receiver's URL where it is configured"]);
    });
  });

  it('rejects a connection budget the HPA can exceed, and roles that exceed max_connections', () => {
    const objects = fixture();
    const cluster = objects.find((o) => o.kind === 'Cluster')!;
    cluster.spec.managed.roles[0].connectionLimit = 32;
    expect(checkPosture(objects)).toEqual([
      expect.objectContaining({ rule: 'pg-connections', message: expect.stringContaining('connectionLimit 32 < 3 replicas') }),
    ]);
    cluster.spec.managed.roles[0].connectionLimit = 33;
    cluster.spec.postgresql.parameters.max_connections = '40';
    expect(checkPosture(objects)).toEqual([expect.objectContaining({ rule: 'pg-connections', message: expect.stringContaining('max_connections 40') })]);
  });

  it('rejects, in production only, PostgreSQL without synchronous replication or scheduled backups', () => {
    const objects = fixture().filter((o) => o.kind !== 'ScheduledBackup');
    const cluster = objects.find((o) => o.kind === 'Cluster')!;
    cluster.spec.postgresql.synchronous.dataDurability = 'preferred';
    expect(rules(objects)).toEqual([]);
    expect(
      checkPosture(objects, { production: true })
        .map((p) => p.rule)
        .filter((r) => r.startsWith('pg-'))
        .sort(),
    ).toEqual(['pg-backup', 'pg-sync-replication']);
  });

  it('rejects a container without a readiness probe', () => {
    const objects = fixture();
    delete container(objects).readinessProbe;
    expect(checkPosture(objects)).toEqual([expect.objectContaining({ rule: 'probes', message: expect.stringContaining('readinessProbe') })]);
  });

  it('rejects a container without limits, as root, or with a writable root filesystem', () => {
    const objects = fixture();
    delete container(objects).resources.limits;
    delete deployment(objects).spec.template.spec.securityContext.runAsNonRoot;
    container(objects).securityContext.readOnlyRootFilesystem = false;
    expect(rules(objects).sort()).toEqual(['limits', 'non-root', 'read-only-root']);
  });

  it('rejects a grace period that does not cover the app drain', () => {
    const objects = fixture();
    deployment(objects).spec.template.spec.terminationGracePeriodSeconds = 20;
    expect(rules(objects)).toEqual(['termination']);
  });

  it('rejects PERMISSIVE mTLS', () => {
    const objects = fixture();
    objects.find((o) => o.kind === 'PeerAuthentication')!.spec.mtls.mode = 'PERMISSIVE';
    expect(rules(objects)).toEqual(['mtls']);
  });

  it('rejects a Service port without a protocol name or appProtocol', () => {
    const objects = fixture();
    objects.find((o) => o.kind === 'Service')!.spec.ports = [{ name: 'api', port: 50051 }];
    expect(rules(objects).sort()).toEqual(['app-protocol', 'port-names']);
  });

  it('rejects a Deployment without an HPA', () => {
    const objects = fixture().filter((o) => o.kind !== 'HorizontalPodAutoscaler');
    expect(rules(objects)).toEqual(['hpa']);
  });

  it('rejects an authorization rule that names no caller, or a caller that does not exist', () => {
    const objects = fixture();
    const ap = objects.find((o) => o.kind === 'AuthorizationPolicy' && o.metadata.name === 'api')!;
    ap.spec.rules.push({ to: [{ operation: { paths: ['/shop.v1.Admin/*'] } }] });
    ap.spec.rules[0].from[0].source.principals = ['cluster.local/ns/shop/sa/ghost'];
    expect(checkPosture(objects).map((p) => p.message)).toEqual([
      expect.stringContaining('sa/ghost names a ServiceAccount that is not rendered'),
      expect.stringContaining('rule 1 allows callers without naming their principals'),
    ]);
  });

  it('rejects a meshed workload that no AuthorizationPolicy selects', () => {
    const objects = fixture().filter((o) => o.metadata.name !== 'api' || o.kind !== 'AuthorizationPolicy');
    expect(rules(objects)).toEqual(['authz']);
  });

  it('rejects a VirtualService routing to a Service that is not rendered', () => {
    const objects = fixture();
    objects.push({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'api', namespace: 'shop' },
      spec: { hosts: ['api'], http: [{ name: 'r', route: [{ destination: { host: 'apii' } }] }] },
    });
    expect(rules(objects)).toEqual(['istio-refs']);
  });

  /** Spans to a collector (the proxies' too), a PodMonitor labelling `service`, recording rules, Kiali on both. */
  function observed(objects: K8sObject[]): K8sObject[] {
    deployment(objects).spec.template.metadata.annotations = { 'prometheus.io/scrape': 'true' };
    objects.push(
      {
        apiVersion: 'telemetry.istio.io/v1',
        kind: 'Telemetry',
        metadata: { name: 'default', namespace: 'shop' },
        spec: { tracing: [{ providers: [{ name: 'otel' }], randomSamplingPercentage: 100 }] },
      },
      {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'PodMonitor',
        metadata: { name: 'shop', namespace: 'shop' },
        spec: {
          selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['api'] }] },
          podMetricsEndpoints: [{ relabelings: [{ action: 'replace', sourceLabels: ['__meta_kubernetes_pod_label_app'], targetLabel: 'service' }] }],
        },
      },
      { apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: { name: 'rules', namespace: 'shop' }, spec: { groups: [] } },
      {
        apiVersion: 'kiali.io/v1alpha1',
        kind: 'Kiali',
        metadata: { name: 'kiali', namespace: 'istio-system' },
        spec: {
          auth: { strategy: 'token' },
          external_services: {
            prometheus: { url: 'http://prometheus.monitoring:9090' },
            tracing: { enabled: true, internal_url: 'http://query.tracing:16685' },
          },
        },
      },
    );
    return objects;
  }
  const MESH = { extensionProviders: [{ name: 'otel', opentelemetry: { service: 'collector.tracing.svc.cluster.local', port: 4317 } }] };

  describe('secrets and production', () => {
    const secret = (data: Record<string, string>, stringData?: Record<string, string>): K8sObject => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'api-db', namespace: 'shop' },
      data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
      stringData,
    });
    /** The fixture as a foodmesh service: identity settings in its ConfigMap, the sidecars checking the same tokens. */
    const foodmesh = (env: Record<string, string> = {}): K8sObject[] => {
      const objects = fixture();
      Object.assign(objects.find((o) => o.kind === 'ConfigMap')!.data!, {
        AUTH_ISSUER: 'https://auth.example.com/',
        AUTH_AUDIENCE: 'shop',
        AUTH_JWKS_URL: 'https://auth.example.com/jwks.json',
        WORKLOAD_IDENTITY: 'mesh',
        FOODMESH_ENV: 'production',
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector.tracing:4318',
        ...env,
      });
      objects.push({
        apiVersion: 'security.istio.io/v1',
        kind: 'RequestAuthentication',
        metadata: { name: 'users', namespace: 'shop' },
        spec: {
          jwtRules: [{ issuer: 'https://auth.example.com/', jwksUri: 'https://auth.example.com/jwks.json', audiences: ['shop'], forwardOriginalToken: true }],
        },
      });
      return observed(objects);
    };

    it('accepts a production service that follows every rule', () => {
      expect(checkPosture(foodmesh(), { production: true })).toEqual([]);
    });

    it('refuses a placeholder in a Secret, a ConfigMap or a literal env value', () => {
      const objects = [...fixture(), secret({ username: 'api', password: 'change-me-api' }, { token: 'Change-Me' })];
      objects.find((o) => o.kind === 'ConfigMap')!.data!.API_KEY = 'change-me';
      container(objects).env = [{ name: 'DATABASE_URL', value: 'postgres://api:change-me-api@pg/api' }];
      expect(checkPosture(objects).map((p) => `${p.rule}: ${p.message}`)).toEqual([
        'placeholder-secret: API_KEY is a placeholder ("change-me…")',
        'placeholder-secret: password is a placeholder ("change-me…"): generate or provide the real secret',
        'placeholder-secret: token is a placeholder ("change-me…"): generate or provide the real secret',
        'placeholder-secret: container api: DATABASE_URL is a placeholder ("change-me…")',
      ]);
      expect(checkPosture([...fixture(), secret({ password: 'f4e1c0ffee' })])).toEqual([]);
    });

    it('refuses in production: a Secret in the manifests, another FOODMESH_ENV, a dev-only switch, workload tokens', () => {
      expect(rules([...foodmesh(), secret({ password: 'f4e1c0ffee' })])).toEqual([]); // a Secret is fine outside production
      expect(checkPosture([...foodmesh(), secret({ password: 'f4e1c0ffee' })], { production: true }).map((p) => p.rule)).toEqual(['secret-in-manifest']);
      expect(checkPosture(foodmesh({ FOODMESH_ENV: 'development' }), { production: true }).map((p) => p.message)).toEqual([
        'FOODMESH_ENV is development, not production',
      ]);
      const messages = checkPosture(foodmesh({ DEMO_SIGN_IN: 'on', PAYMENT_ADMIN_API: 'on', WORKLOAD_IDENTITY: 'token' })).map(
        (p) => `${p.rule}: ${p.message}`,
      );
      expect(messages).toEqual([
        'production: DEMO_SIGN_IN=on in production (local and dev only)',
        'production: PAYMENT_ADMIN_API=on in production (local and dev only)',
        'production: WORKLOAD_IDENTITY is token: production knows workloads by their mTLS identity (mesh)',
      ]);
      // The same switches are fine in development.
      expect(checkPosture(foodmesh({ FOODMESH_ENV: 'development', DEMO_SIGN_IN: 'on' }))).toEqual([]);
    });

    it("requires the sidecars to check users' tokens exactly as the services do, and to pass them on", () => {
      const without = foodmesh().filter((o) => o.kind !== 'RequestAuthentication');
      expect(checkPosture(without).map((p) => p.message)).toEqual([
        "no namespace-wide RequestAuthentication for issuer https://auth.example.com/: its sidecar does not check users' tokens",
      ]);
      const objects = foodmesh();
      objects.push({
        apiVersion: 'security.istio.io/v1',
        kind: 'RequestAuthentication',
        metadata: { name: 'gateway', namespace: 'istio-system' },
        spec: {
          selector: { matchLabels: { istio: 'ingressgateway' } },
          jwtRules: [
            { issuer: 'https://auth.example.com/', jwksUri: 'https://elsewhere.example.com/jwks.json', audiences: ['other'] },
            { issuer: 'https://stale.example.com/', jwksUri: 'https://stale.example.com/jwks.json' },
          ],
        },
      });
      expect(checkPosture(objects).map((p) => p.message)).toEqual([
        'audiences ["other"] lack the services\' AUTH_AUDIENCE shop',
        "its key set (jwksUri / jwks) is not the services' (AUTH_JWKS_URL / AUTH_JWKS)",
        'needs forwardOriginalToken: true (the services verify the token again; the edge forwards it)',
        "issuer https://stale.example.com/ is not the services' AUTH_ISSUER (https://auth.example.com/)",
      ]);
    });

    describe('observability', () => {
      const withEnv = (env: Record<string, string>) => foodmesh(env);
      const named = (objects: K8sObject[], kind: string) => objects.find((o) => o.kind === kind)!;

      it('accepts services, proxies, Prometheus and Kiali wired to one backend each', () => {
        expect(checkPosture(foodmesh(), { production: true, meshConfig: MESH })).toEqual([]);
      });

      it('refuses a service that exports no spans, and proxies without tracing', () => {
        const objects = withEnv({ OTEL_TRACES_EXPORTER: 'none' }).filter((o) => o.kind !== 'Telemetry');
        expect(checkPosture(objects).map((p) => `${p.rule} ${p.object}`)).toEqual(['tracing Deployment/shop/api', 'tracing Namespace//shop']);
      });

      it('refuses proxies sending spans elsewhere, through a provider the mesh lacks, or sampling another share', () => {
        const elsewhere = { extensionProviders: [{ name: 'otel', opentelemetry: { service: 'jaeger.other', port: 4317 } }] };
        expect(checkPosture(foodmesh(), { meshConfig: elsewhere }).map((p) => p.message)).toEqual([
          'provider otel sends to jaeger.other, the services to collector.tracing: two backends, two halves of every trace',
        ]);
        expect(checkPosture(foodmesh(), { meshConfig: { extensionProviders: [] } }).map((p) => p.message)).toEqual([
          'provider otel is not an OpenTelemetry extensionProvider of k8s/istio/istio-operator.yaml',
        ]);
        const sampled = withEnv({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' });
        expect(checkPosture(sampled, { meshConfig: MESH }).map((p) => p.message)).toEqual([
          'samples 100 % of requests, the services 25 % (OTEL_TRACES_SAMPLER): traces would lose their app or proxy half',
        ]);
        named(sampled, 'Telemetry').spec.tracing[0].randomSamplingPercentage = 25;
        expect(checkPosture(sampled, { meshConfig: MESH })).toEqual([]);
      });

      it('refuses a service Prometheus would not scrape or label, and no recording rules', () => {
        const unlabelled = foodmesh();
        named(unlabelled, 'PodMonitor').spec.podMetricsEndpoints[0].relabelings = [];
        delete deployment(unlabelled).spec.template.metadata.annotations;
        expect(checkPosture(unlabelled).map((p) => `${p.rule} ${p.object}`)).toEqual(['scrape PodMonitor/shop/shop', 'scrape Deployment/shop/api']);
        const unscraped = foodmesh().filter((o) => o.kind !== 'PodMonitor' && o.kind !== 'PrometheusRule');
        expect(checkPosture(unscraped).map((p) => p.message)).toEqual([
          'no PodMonitor selects its pods: Prometheus (recording rules, operations page, Kiali) would not see it',
          'no PrometheusRule: the recording rules (observability/prometheus/rules.yaml) would not run in the cluster',
        ]);
      });

      it("refuses a Kiali on another Prometheus than the operations page's, without traces, or open to anyone in production", () => {
        const objects = withEnv({ OPS_PROMETHEUS_URL: 'http://prometheus.monitoring:9090' });
        expect(checkPosture(objects)).toEqual([]);
        const kiali = named(objects, 'Kiali');
        kiali.spec.external_services.prometheus.url = 'http://prometheus.istio-system:9090';
        kiali.spec.external_services.tracing.enabled = false;
        kiali.spec.auth.strategy = 'anonymous';
        expect(checkPosture(objects).map((p) => p.message)).toEqual([
          'reads Prometheus http://prometheus.istio-system:9090, the operations page http://prometheus.monitoring:9090: one Prometheus for both',
          "tracing must be enabled with an internal_url: Kiali's graph leads to traces",
        ]);
        expect(checkPosture(objects, { production: true }).map((p) => p.message)).toContain(
          'auth.strategy anonymous in production: anyone reaching Kiali sees (and may change) the mesh',
        );
      });

      it("refuses a sidecar whose egress does not reach the operations page's Prometheus", () => {
        const objects = withEnv({ OPS_PROMETHEUS_URL: 'http://prometheus.monitoring:9090' });
        const sidecar: K8sObject = {
          apiVersion: 'networking.istio.io/v1',
          kind: 'Sidecar',
          metadata: { name: 'api', namespace: 'shop' },
          spec: { workloadSelector: { labels: { app: 'api' } }, egress: [{ hosts: ['./*', 'istio-system/*'] }] },
        };
        expect(checkPosture([...objects, sidecar]).map((p) => p.message)).toEqual([
          'its egress does not reach OPS_PROMETHEUS_URL (prometheus.monitoring): the operations page would have no figures',
        ]);
        sidecar.spec.egress[0].hosts.push('monitoring/prometheus.monitoring.svc.cluster.local');
        expect(checkPosture([...objects, sidecar])).toEqual([]);
      });
    });
  });
});
