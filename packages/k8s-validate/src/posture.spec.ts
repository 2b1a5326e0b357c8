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
    { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'api', namespace: ns }, spec: { maxUnavailable: 1, selector: { matchLabels: { app: 'api' } } } },
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
});
