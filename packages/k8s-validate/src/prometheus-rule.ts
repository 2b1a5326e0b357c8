import * as fs from 'node:fs';
import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parse, stringify } from 'yaml';
import { ref, type K8sObject, type Problem } from './posture.js';

/** The recording rules, one file for every Prometheus (local runs load it as it is). */
export const RULES_SOURCE = 'observability/prometheus/rules.yaml';
/** The cluster's copy: a PrometheusRule rendered from RULES_SOURCE by `npm run observability:render`. */
export const PROMETHEUS_RULE_FILE = 'k8s/observability/prometheus-rule.yaml';

const HEADER = `# GENERATED from ${RULES_SOURCE} by \`npm run observability:render\`: never edit, re-render.
# The recording rules for the Prometheus Operator's Prometheus (kube-prometheus-stack, docs/deploy.md §2);
# npm run k8s:validate fails while this differs from the rules file.
`;

/** The PrometheusRule carrying the rules file's groups. */
export function renderPrometheusRule(rulesYaml: string): string {
  const { groups } = parse(rulesYaml) as { groups: unknown[] };
  const rule = {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: 'foodmesh-recording-rules', namespace: 'foodmesh' },
    spec: { groups },
  };
  return HEADER + stringify(rule, { lineWidth: 0 });
}

/** The rendered overlay's PrometheusRule must be the rules file's, exactly (as data): no overlay patches it. */
export function generatedRulesCheck(objects: K8sObject[], root: string): Problem[] {
  const { groups } = parse(fs.readFileSync(path.join(root, RULES_SOURCE), 'utf8')) as { groups: unknown[] };
  const rendered = objects.filter((o) => o.kind === 'PrometheusRule' && o.metadata.name === 'foodmesh-recording-rules');
  if (rendered.length !== 1)
    return [
      {
        object: 'PrometheusRule/foodmesh/foodmesh-recording-rules',
        rule: 'prometheus-rules',
        message: `${PROMETHEUS_RULE_FILE} is not in the rendered output`,
      },
    ];
  if (isDeepStrictEqual(rendered[0]!.spec?.groups, groups)) return [];
  return [
    {
      object: ref(rendered[0]!),
      rule: 'prometheus-rules',
      message: `differs from ${RULES_SOURCE}: change the rules file and run npm run observability:render, never patch it`,
    },
  ];
}
