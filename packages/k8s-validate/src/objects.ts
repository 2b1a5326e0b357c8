/** A rendered Kubernetes object, and what the checks say about one. Pure helpers shared by the rule sets. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: any; // rendered YAML: its shape is checked by the schemas, not by TypeScript
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

export interface Problem {
  object: string; // Kind/namespace/name
  rule: string;
  message: string;
}

export function ref(o: K8sObject): string {
  return `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

export function matches(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector) return true;
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

/**
 * The literal environment a workload's containers get: values set in `env` (literal or a
 * ConfigMap's key) over those of the ConfigMaps in `envFrom` (values from Secrets or fields are
 * not known here).
 */
export function envOf(w: K8sObject, containers: any[], configMaps: K8sObject[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const c of containers) {
    for (const ef of c.envFrom ?? []) {
      const cm = configMaps.find((m) => m.metadata.name === ef.configMapRef?.name && (m.metadata.namespace ?? '') === (w.metadata.namespace ?? ''));
      Object.assign(env, cm?.data);
    }
    for (const e of c.env ?? []) {
      const fromMap = e.valueFrom?.configMapKeyRef;
      const cm = fromMap && configMaps.find((m) => m.metadata.name === fromMap.name && (m.metadata.namespace ?? '') === (w.metadata.namespace ?? ''));
      const value = typeof e.value === 'string' ? e.value : cm?.data?.[fromMap.key];
      if (value !== undefined) env[e.name] = value;
    }
  }
  return env;
}

export const workloadEnv = (w: K8sObject, configMaps: K8sObject[]) => envOf(w, w.spec?.template?.spec?.containers ?? [], configMaps);
