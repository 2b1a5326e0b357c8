/** What one `kubectl get hpa,deploy -o json` says about each Deployment and its autoscaler. */
export interface DeploymentState {
  name: string;
  /** status.replicas: pods that exist. */
  replicas: number;
  ready: number;
  hpa?: {
    name: string;
    min: number;
    max: number;
    current: number;
    desired: number;
    /** CPU use in % of the request, averaged over the pods (status.currentMetrics). */
    cpuPercent?: number;
    cpuTargetPercent?: number;
    /** Average memory per pod, e.g. "180Mi". */
    memory?: string;
    /** ScalingLimited=True: the count is held at min or max. */
    limited: boolean;
    lastScaleTime?: string;
  };
}

export interface Snapshot {
  /** When it was taken, epoch ms. */
  at: number;
  phase: 'before' | 'during' | 'after';
  deployments: DeploymentState[];
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/**
 * Parses kubectl's List; `source` names the file in errors. Anything but Deployments (apps/v1)
 * and HorizontalPodAutoscalers (autoscaling/v2) means it is not the expected command's output.
 */
export function parseKubectlList(json: unknown, source: string): DeploymentState[] {
  const list = obj(json);
  if (list.kind !== 'List' || !Array.isArray(list.items)) throw new Error(`${source}: not the output of kubectl get hpa,deploy -o json (no List of items)`);
  const deployments = new Map<string, DeploymentState>();
  const hpas: Array<{ target: string; hpa: NonNullable<DeploymentState['hpa']> }> = [];
  list.items.forEach((raw, i) => {
    const item = obj(raw);
    const meta = obj(item.metadata);
    const spec = obj(item.spec);
    const status = obj(item.status);
    const name = typeof meta.name === 'string' ? meta.name : undefined;
    if (!name) throw new Error(`${source}: items[${i}] has no metadata.name`);
    if (item.kind === 'Deployment') {
      deployments.set(name, { name, replicas: num(status.replicas) ?? 0, ready: num(status.readyReplicas) ?? 0 });
    } else if (item.kind === 'HorizontalPodAutoscaler') {
      if (item.apiVersion !== 'autoscaling/v2')
        throw new Error(`${source}: items[${i}] (${name}) is ${String(item.apiVersion)}; the drill reads autoscaling/v2`);
      const resource = (m: unknown, which: string) => {
        const r = obj(obj(m).resource);
        return obj(m).type === 'Resource' && r.name === which ? r : undefined;
      };
      const cpuNow = (Array.isArray(status.currentMetrics) ? status.currentMetrics : []).map((m) => resource(m, 'cpu')).find(Boolean);
      const memNow = (Array.isArray(status.currentMetrics) ? status.currentMetrics : []).map((m) => resource(m, 'memory')).find(Boolean);
      const cpuTarget = (Array.isArray(spec.metrics) ? spec.metrics : []).map((m) => resource(m, 'cpu')).find(Boolean);
      const limited = (Array.isArray(status.conditions) ? status.conditions : []).some((c) => obj(c).type === 'ScalingLimited' && obj(c).status === 'True');
      const memory = obj(memNow?.current).averageValue;
      hpas.push({
        target: String(obj(spec.scaleTargetRef).name ?? name),
        hpa: {
          name,
          min: num(spec.minReplicas) ?? 1,
          max: num(spec.maxReplicas) ?? 1,
          current: num(status.currentReplicas) ?? 0,
          desired: num(status.desiredReplicas) ?? 0,
          cpuPercent: num(obj(cpuNow?.current).averageUtilization),
          cpuTargetPercent: num(obj(cpuTarget?.target).averageUtilization),
          memory: typeof memory === 'string' ? memory : undefined,
          limited,
          lastScaleTime: typeof status.lastScaleTime === 'string' ? status.lastScaleTime : undefined,
        },
      });
    } else {
      throw new Error(`${source}: items[${i}] is a ${String(item.kind)}; expected only Deployments and HorizontalPodAutoscalers`);
    }
  });
  for (const { target, hpa } of hpas) {
    const d = deployments.get(target);
    if (!d) throw new Error(`${source}: HorizontalPodAutoscaler ${hpa.name} scales Deployment ${target}, which the output does not have`);
    d.hpa = hpa;
  }
  return [...deployments.values()].sort((a, b) => a.name.localeCompare(b.name));
}
