import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parse, parseAllDocuments } from 'yaml';
import { ensureDevSecrets } from './dev-secrets.js';
import { checkDockerfile, minNodeMajor, type DockerfileFindings } from './dockerfile.js';
import type { MeshConfig } from './observability-posture.js';
import { imageWarnings } from './image-posture.js';
import { networkWarnings } from './network-posture.js';
import { checkPosture, ref, type K8sObject, type PostureOptions, type Problem } from './posture.js';
import { generatedRulesCheck } from './prometheus-rule.js';
import { crdSchemas, kubernetesSchemas, localSchemas, SCHEMA_LOCATION } from './schemas.js';

/** The repository root (this file is packages/k8s-validate/{src,dist}/validate.*). */
export const REPO_ROOT = path.resolve(__dirname, '../../..');
const PACKAGE_DIR = path.resolve(__dirname, '..');
export const OVERLAYS = ['dev', 'prod'] as const;
/** The overlays that are production (posture: FOODMESH_ENV=production, no Secret in the manifests). */
const PRODUCTION_OVERLAYS: ReadonlySet<string> = new Set(['prod']);
/** How Istio is installed (`istioctl install -f`): its mesh config names the tracing providers. */
export const ISTIO_OPERATOR_FILE = 'k8s/istio/istio-operator.yaml';
/** Bump when src/schemas.ts changes what it writes, so cached schema sets are regenerated. */
const SCHEMA_GENERATOR_VERSION = 2;

export interface Tools {
  kustomize: string;
  kubeconform: string;
  istioctl?: string;
  swagger: string;
  istioCrds: string;
  /** The folder of the Prometheus Operator's CRDs (monitoring.coreos.com_*.yaml). */
  monitoringCrds: string;
  versions: Record<string, string>;
}

function readEnvFile(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) out[m[1]] = m[2];
  }
  return out;
}

/** Where scripts/k8s-tools.sh put everything; throws with the fix when it has not run. */
export function findTools(root = REPO_ROOT): Tools {
  const bin = path.join(root, '.foodmesh/bin');
  const sourcesFile = path.join(root, '.foodmesh/k8s-sources.env');
  const kustomize = path.join(bin, 'kustomize');
  const kubeconform = path.join(bin, 'kubeconform');
  if (![kustomize, kubeconform, sourcesFile].every((f) => fs.existsSync(f)) || !readEnvFile(sourcesFile).PROMETHEUS_OPERATOR_CRDS) {
    throw new Error('k8s tools are not installed: run `bash scripts/k8s-tools.sh` (kustomize, kubeconform, schemas)');
  }
  const sources = readEnvFile(sourcesFile);
  const istioctl = path.join(bin, 'istioctl');
  return {
    kustomize,
    kubeconform,
    istioctl: fs.existsSync(istioctl) ? istioctl : undefined,
    swagger: sources.KUBERNETES_SWAGGER,
    istioCrds: sources.ISTIO_CRDS,
    monitoringCrds: sources.PROMETHEUS_OPERATOR_CRDS,
    versions: readEnvFile(path.join(PACKAGE_DIR, 'tools.env')),
  };
}

/**
 * The kubeconform schema directory for these versions, generated on first use and cached in
 * .foodmesh/k8s-schemas/<key> (key = versions + hand-written schemas + generator).
 */
export function ensureSchemas(tools: Tools, root = REPO_ROOT): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify([tools.swagger, tools.istioCrds, tools.monitoringCrds]));
  const localDir = path.join(PACKAGE_DIR, 'schemas');
  for (const group of fs.readdirSync(localDir).sort()) {
    for (const f of fs.readdirSync(path.join(localDir, group)).sort()) hash.update(fs.readFileSync(path.join(localDir, group, f)));
  }
  hash.update(`generator ${SCHEMA_GENERATOR_VERSION}`);
  const dir = path.join(root, '.foodmesh/k8s-schemas', hash.digest('hex').slice(0, 16));
  if (fs.existsSync(path.join(dir, '.complete'))) return dir;
  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  kubernetesSchemas(tools.swagger, tmp);
  crdSchemas(tools.istioCrds, tmp);
  for (const f of fs.readdirSync(tools.monitoringCrds).filter((x) => x.endsWith('.yaml'))) crdSchemas(path.join(tools.monitoringCrds, f), tmp);
  localSchemas(localDir, tmp);
  fs.writeFileSync(path.join(tmp, '.complete'), new Date().toISOString());
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(tmp, dir);
  // Older sets (other versions) are never used again.
  for (const old of fs.readdirSync(path.dirname(dir))) {
    if (old !== path.basename(dir) && !old.includes('.tmp-')) fs.rmSync(path.join(path.dirname(dir), old), { recursive: true, force: true });
  }
  return dir;
}

export function renderOverlay(tools: Tools, overlayDir: string): string {
  // An overlay whose generators read generated secrets (dev: npm run k8s:dev-secrets) gets any missing ones first.
  if (fs.readFileSync(path.join(overlayDir, 'kustomization.yaml'), 'utf8').includes('generated/')) ensureDevSecrets(path.join(overlayDir, 'generated'));
  return execFileSync(tools.kustomize, ['build', overlayDir], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

/** Parses a multi-document YAML stream; duplicate keys and syntax errors are problems. */
export function parseManifests(text: string, source: string): { objects: K8sObject[]; problems: Problem[] } {
  const objects: K8sObject[] = [];
  const problems: Problem[] = [];
  parseAllDocuments(text).forEach((doc, i) => {
    for (const e of doc.errors) problems.push({ object: `${source}#${i}`, rule: 'yaml', message: e.message });
    const o = doc.toJS() as K8sObject | null;
    if (o === null || o === undefined) return;
    if (typeof o !== 'object' || typeof o.apiVersion !== 'string' || typeof o.kind !== 'string' || typeof o.metadata?.name !== 'string') {
      problems.push({ object: `${source}#${i}`, rule: 'structure', message: 'every object needs apiVersion, kind and metadata.name' });
      return;
    }
    objects.push(o);
  });
  return { objects, problems };
}

interface KubeconformResource {
  filename: string;
  kind: string;
  name: string;
  version: string;
  status: string;
  msg: string;
  validationErrors?: { path: string; msg: string }[];
}

/**
 * kubeconform -strict against the generated schemas: every object must have a schema (an
 * unknown apiVersion/kind fails), no unknown fields, right types, enums and required fields.
 */
export function schemaCheck(tools: Tools, schemaDir: string, text: string): Problem[] {
  const r = spawnSync(tools.kubeconform, ['-strict', '-output', 'json', '-schema-location', path.join(schemaDir, SCHEMA_LOCATION), '-'], {
    input: text,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  let out: { resources?: KubeconformResource[] };
  try {
    out = JSON.parse(r.stdout) as { resources?: KubeconformResource[] };
  } catch {
    throw new Error(`kubeconform failed (exit ${r.status}): ${r.stderr || r.stdout}`);
  }
  return (out.resources ?? [])
    .filter((x) => x.status !== 'statusValid' && x.status !== 'statusEmpty')
    .map((x) => ({
      object: `${x.kind}/${x.name}`,
      rule: 'schema',
      message: x.validationErrors?.length ? x.validationErrors.map((e) => `${e.path}: ${e.msg}`).join('; ') : x.msg,
    }));
}

/** `istioctl analyze --use-kube=false` on the rendered objects, when istioctl is installed. */
export function istioAnalyze(tools: Tools, text: string): Problem[] | undefined {
  if (!tools.istioctl) return undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k8s-validate-'));
  try {
    const file = path.join(dir, 'rendered.yaml');
    fs.writeFileSync(file, text);
    const r = spawnSync(tools.istioctl, ['analyze', '--use-kube=false', '--all-namespaces', file], { encoding: 'utf8' });
    const lines = `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => /^(Error|Warning)/.test(l) || /error/i.test(l));
    if (r.status === 0) return [];
    return (lines.length ? lines : [`exit ${r.status}`]).map((l) => ({ object: 'istioctl', rule: 'istioctl-analyze', message: l.trim() }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The payment DestinationRule/VirtualService are rendered from mesh/policy.yaml into
 * k8s/base/mesh/: the cluster must get them exactly as generated (no overlay may patch them).
 */
export function generatedMeshCheck(objects: K8sObject[], root = REPO_ROOT): Problem[] {
  const problems: Problem[] = [];
  const dir = path.join(root, 'k8s/base/mesh');
  for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.yaml'))) {
    const gen = parse(fs.readFileSync(path.join(dir, f), 'utf8')) as K8sObject;
    const rendered = objects.find((o) => o.kind === gen.kind && o.metadata.name === gen.metadata.name);
    if (!rendered)
      problems.push({ object: `${gen.kind}/${gen.metadata.name}`, rule: 'mesh-generated', message: `k8s/base/mesh/${f} is not in the rendered output` });
    else if (!isDeepStrictEqual(rendered.spec, gen.spec)) {
      problems.push({
        object: ref(rendered),
        rule: 'mesh-generated',
        message: `differs from k8s/base/mesh/${f}: change mesh/policy.yaml and run npm run mesh:render, never patch it`,
      });
    }
  }
  return problems;
}

export interface Report {
  source: string;
  objects: K8sObject[];
  problems: Problem[];
  /** Allowed but worth a person's look (printed, never failing): network-posture.ts. */
  warnings: Problem[];
  istioctl: 'ran' | 'not installed';
}

/** Every check on one rendered manifest stream. */
export function validateRendered(tools: Tools, schemaDir: string, text: string, source: string, opts: PostureOptions = {}): Report {
  const { objects, problems } = parseManifests(text, source);
  problems.push(...schemaCheck(tools, schemaDir, text));
  problems.push(...checkPosture(objects, opts));
  problems.push(...generatedMeshCheck(objects));
  problems.push(...generatedRulesCheck(objects, REPO_ROOT));
  const analyzed = istioAnalyze(tools, text);
  if (analyzed) problems.push(...analyzed);
  const warnings = [...networkWarnings(objects), ...(opts.production ? imageWarnings(objects) : [])];
  return { source, objects, problems, warnings, istioctl: analyzed ? 'ran' : 'not installed' };
}

/** The IstioOperator Istio is installed with, checked against its schema; its mesh config for the posture rules. */
export function loadIstioOperator(tools: Tools, schemaDir: string, root = REPO_ROOT): { meshConfig: MeshConfig; problems: Problem[] } {
  const text = fs.readFileSync(path.join(root, ISTIO_OPERATOR_FILE), 'utf8');
  const problems = schemaCheck(tools, schemaDir, text).map((p) => ({ ...p, object: `${ISTIO_OPERATOR_FILE} ${p.object}` }));
  const iop = parse(text) as { spec?: { meshConfig?: MeshConfig } };
  return { meshConfig: iop.spec?.meshConfig ?? {}, problems };
}

export function validateOverlay(tools: Tools, schemaDir: string, overlay: string, root = REPO_ROOT): Report {
  const dir = path.join(root, 'k8s/overlays', overlay);
  const istio = loadIstioOperator(tools, schemaDir, root);
  const report = validateRendered(tools, schemaDir, renderOverlay(tools, dir), `k8s/overlays/${overlay}`, {
    production: PRODUCTION_OVERLAYS.has(overlay),
    meshConfig: istio.meshConfig,
  });
  report.problems.push(...istio.problems);
  return report;
}

/** The repository's Dockerfile against the runtime it declares (package.json engines, .nvmrc). */
export function validateDockerfile(root = REPO_ROOT): DockerfileFindings {
  const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');
  const engines = (JSON.parse(read('package.json')) as { engines?: { node?: string } }).engines?.node;
  return checkDockerfile(read('Dockerfile'), { minMajor: minNodeMajor(engines), release: read('.nvmrc').trim() });
}
