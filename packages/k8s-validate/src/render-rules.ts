#!/usr/bin/env node
/**
 * `npm run observability:render`: writes the recording rules of observability/prometheus/rules.yaml
 * into the cluster's PrometheusRule (k8s/observability/prometheus-rule.yaml).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PROMETHEUS_RULE_FILE, renderPrometheusRule, RULES_SOURCE } from './prometheus-rule.js';
import { REPO_ROOT } from './validate.js';

const target = path.join(REPO_ROOT, PROMETHEUS_RULE_FILE);
const content = renderPrometheusRule(fs.readFileSync(path.join(REPO_ROOT, RULES_SOURCE), 'utf8'));
if (fs.existsSync(target) && fs.readFileSync(target, 'utf8') === content) console.log(`${PROMETHEUS_RULE_FILE} is up to date`);
else {
  fs.writeFileSync(target, content);
  console.log(`wrote ${PROMETHEUS_RULE_FILE}`);
}
