#!/usr/bin/env node
/**
 * npm run k8s:validate            renders k8s/overlays/{dev,prod} and checks every object, and the Dockerfile
 * npm run k8s:validate -- FILE…   checks already rendered manifests (multi-document YAML)
 * Exit 1 when anything fails; each problem is printed with its object and rule.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ensureSchemas, findTools, OVERLAYS, validateDockerfile, validateOverlay, validateRendered, type Report } from './validate.js';

/** The image every service runs: its base must be the Node release the project requires. */
function reportDockerfile(): boolean {
  const { problems, warnings } = validateDockerfile();
  console.log(`Dockerfile: ${problems.length ? `FAILED (${problems.length} problems)` : 'ok'}${warnings.length ? `, ${warnings.length} warning(s)` : ''}`);
  for (const p of problems) console.log(`  ✗ [${p.rule}] ${p.message}`);
  for (const w of warnings) console.log(`  ! [${w.rule}] ${w.message}`);
  return problems.length === 0;
}

function main(): number {
  const tools = findTools();
  const schemaDir = ensureSchemas(tools);
  const files = process.argv.slice(2);
  const reports: Report[] = files.length
    ? files.map((f) => validateRendered(tools, schemaDir, fs.readFileSync(f, 'utf8'), path.relative(process.cwd(), f)))
    : OVERLAYS.map((o) => validateOverlay(tools, schemaDir, o));
  let failed = files.length || reportDockerfile() ? 0 : 1;
  for (const r of reports) {
    const kinds = new Map<string, number>();
    for (const o of r.objects) kinds.set(o.kind, (kinds.get(o.kind) ?? 0) + 1);
    const status = r.problems.length ? `FAILED (${r.problems.length} problems)` : 'ok';
    console.log(
      `${r.source}: ${status}${r.warnings.length ? `, ${r.warnings.length} warning(s)` : ''} — ${r.objects.length} objects; istioctl analyze ${r.istioctl}`,
    );
    for (const p of r.problems) console.log(`  ✗ [${p.rule}] ${p.object}: ${p.message}`);
    for (const w of r.warnings) console.log(`  ! [${w.rule}] ${w.object}: ${w.message}`);
    if (r.problems.length) failed++;
  }
  console.log(
    `k8s:validate: schemas (Kubernetes ${tools.versions.KUBERNETES_VERSION}, Istio ${tools.versions.ISTIO_API_VERSION}, ` +
      `Prometheus Operator ${tools.versions.PROMETHEUS_OPERATOR_VERSION}, Strimzi/CNPG/Kiali/IstioOperator structural), ` +
      `security posture, mesh references, tracing/metrics/Kiali wiring, Dockerfile — ${failed ? `${failed} failed` : 'all valid'} (${reports.length} ${files.length ? 'files' : 'overlays'})`,
  );
  return failed ? 1 : 0;
}

try {
  process.exitCode = main();
} catch (e) {
  console.error(`k8s:validate: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 2;
}
