/**
 * Images a production overlay runs by tag rather than by digest: a tag can be re-pushed, a digest
 * cannot. Warnings, not failures: some digests can only be read from a registry
 * (`scripts/pin-images.sh` writes them; docs/deploy.md, "Image digests"). Pure: objects in,
 * findings out.
 */
import { ref, type K8sObject, type Problem } from './objects.js';

const BY_DIGEST = /@sha256:[0-9a-f]{64}$/;
const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);

export function imageWarnings(objects: K8sObject[]): Problem[] {
  const warnings: Problem[] = [];
  const warn = (o: K8sObject, what: string) =>
    warnings.push({ object: ref(o), rule: 'image-digest', message: `${what} is not pinned by digest: scripts/pin-images.sh` });
  for (const o of objects) {
    if (WORKLOAD_KINDS.has(o.kind)) {
      const pod = o.spec?.template?.spec ?? {};
      for (const c of [...(pod.initContainers ?? []), ...(pod.containers ?? [])])
        if (!BY_DIGEST.test(c.image ?? '')) warn(o, `container ${c.name}'s image ${c.image}`);
    }
    if (o.kind === 'Cluster' && o.apiVersion.startsWith('postgresql.cnpg.io/') && !BY_DIGEST.test(o.spec?.imageName ?? ''))
      warn(o, `imageName ${o.spec?.imageName ?? '(the operator default)'}`);
    if (o.kind === 'Kafka' && !BY_DIGEST.test(o.spec?.kafka?.image ?? ''))
      warn(o, `the broker image ${o.spec?.kafka?.image ?? `(the operator's for Kafka ${o.spec?.kafka?.version ?? 'default'})`}`);
  }
  return warnings;
}
