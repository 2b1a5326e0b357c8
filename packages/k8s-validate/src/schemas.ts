import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';

/**
 * JSON schemas for kubeconform, made offline from sources the install script fetched:
 *  - Kubernetes: the OpenAPI v2 spec of a Kubernetes release (api/openapi-spec/swagger.json
 *    in the k8s.io/kubernetes Go module), one schema per kind, every $ref inlined;
 *  - Istio: the CRDs' openAPIV3Schema (kubernetes/customresourcedefinitions.gen.yaml in the
 *    istio.io/api Go module); the Prometheus Operator's likewise (PrometheusRule, PodMonitor:
 *    example/prometheus-operator-crd in its Go module);
 *  - Strimzi, CloudNativePG, Kiali and IstioOperator: hand-written structural schemas in ../schemas (their CRDs are
 *    not published through any registry this project can reach): required fields and types
 *    of what foodmesh uses, not the operators' full schemas.
 *
 * Strict, like kubeconform's own `-strict` schema sets: every object that lists its properties
 * rejects any other (unless it is a map or marked x-kubernetes-preserve-unknown-fields), so a
 * misspelt or misplaced field fails.
 *
 * Layout: <dir>/<group>/<kind>_<version>.json, the core group as "v1" (kubeconform's
 * {{.Group}} for apiVersion "v1"), matching SCHEMA_LOCATION below.
 */
export const SCHEMA_LOCATION = '{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json';

type Schema = Record<string, unknown>;

interface Gvk {
  group: string;
  version: string;
  kind: string;
}

function fileFor(dir: string, { group, version, kind }: Gvk): string {
  return path.join(dir, group === '' ? version : group, `${kind.toLowerCase()}_${version}.json`);
}

/** Adds `additionalProperties: false` wherever an object lists its properties (kubeconform strict). */
function strictify(s: unknown): unknown {
  if (Array.isArray(s)) return s.map(strictify);
  if (!s || typeof s !== 'object') return s;
  const o: Schema = {};
  for (const [k, v] of Object.entries(s as Schema)) {
    // `properties` maps field names to schemas: recurse into the schemas, never treat the
    // names themselves as schema keywords.
    if (k === 'properties' && v && typeof v === 'object') {
      o[k] = Object.fromEntries(Object.entries(v as Schema).map(([name, sub]) => [name, strictify(sub)]));
    } else {
      o[k] = strictify(v);
    }
  }
  if (o['x-kubernetes-int-or-string'] === true) {
    delete o.type;
    delete o.format;
    o.anyOf = [{ type: 'string' }, { type: 'integer' }];
  }
  if (o.properties && o.additionalProperties === undefined && o['x-kubernetes-preserve-unknown-fields'] !== true) {
    o.additionalProperties = false;
  }
  return o;
}

/** Kubernetes' OpenAPI v2 definitions → one self-contained JSON schema per top-level kind. */
export function kubernetesSchemas(swaggerPath: string, outDir: string): number {
  const swagger = JSON.parse(fs.readFileSync(swaggerPath, 'utf8')) as { definitions: Record<string, Schema> };
  const defs = swagger.definitions;
  const special: Record<string, Schema> = {
    'io.k8s.apimachinery.pkg.util.intstr.IntOrString': { anyOf: [{ type: 'string' }, { type: 'integer' }] },
    'io.k8s.apimachinery.pkg.api.resource.Quantity': { anyOf: [{ type: 'string' }, { type: 'number' }] },
    'io.k8s.apimachinery.pkg.apis.meta.v1.Time': { type: ['string', 'null'] },
    'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime': { type: ['string', 'null'] },
  };
  const inline = (s: unknown, stack: string[]): unknown => {
    if (Array.isArray(s)) return s.map((x) => inline(x, stack));
    if (!s || typeof s !== 'object') return s;
    const o = s as Schema;
    if (typeof o.$ref === 'string') {
      const name = o.$ref.replace('#/definitions/', '');
      if (special[name]) return special[name];
      // Recursive types (JSONSchemaProps) are cut off: accept anything below the cycle.
      if (stack.includes(name)) return {};
      const def = defs[name];
      if (!def) throw new Error(`swagger: unknown $ref ${name}`);
      return inline(def, [...stack, name]);
    }
    const r: Schema = {};
    for (const [k, v] of Object.entries(o)) {
      if (k === 'x-kubernetes-group-version-kind' || k === 'description') continue;
      r[k] =
        k === 'properties' && v && typeof v === 'object'
          ? Object.fromEntries(Object.entries(v as Schema).map(([n, sub]) => [n, inline(sub, stack)]))
          : inline(v, stack);
    }
    return r;
  };
  let count = 0;
  for (const [name, def] of Object.entries(defs)) {
    const gvks = def['x-kubernetes-group-version-kind'] as Gvk[] | undefined;
    if (!gvks || !def.properties || !(def.properties as Schema).kind) continue;
    // Lists, events and reviews are never in a manifest; the CRD type itself is recursive.
    if (name.endsWith('List') || name.startsWith('io.k8s.apiextensions-apiserver')) continue;
    const body = strictify(inline(def, [name])) as Schema;
    for (const gvk of gvks) {
      const file = fileFor(outDir, gvk);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, JSON.stringify({ $schema: 'http://json-schema.org/schema#', ...body }));
      count++;
    }
  }
  return count;
}

interface Crd {
  kind: string;
  spec: { group: string; names: { kind: string }; versions: { name: string; schema?: { openAPIV3Schema: Schema } }[] };
}

/** CustomResourceDefinitions (one or many YAML documents) → one JSON schema per kind and version. */
export function crdSchemas(crdYamlPath: string, outDir: string): number {
  let count = 0;
  for (const doc of parseAllDocuments(fs.readFileSync(crdYamlPath, 'utf8'))) {
    const crd = doc.toJS() as Crd | null;
    if (!crd || crd.kind !== 'CustomResourceDefinition') continue;
    for (const v of crd.spec.versions) {
      if (!v.schema) continue;
      // CRD schemas describe spec/status only; the API server owns apiVersion/kind/metadata.
      const top = v.schema.openAPIV3Schema;
      const schema = strictify({
        ...top,
        properties: {
          apiVersion: { type: 'string' },
          kind: { type: 'string' },
          metadata: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
          ...(top.properties as Schema),
        },
      }) as Schema;
      const file = fileFor(outDir, { group: crd.spec.group, version: v.name, kind: crd.spec.names.kind });
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, JSON.stringify({ $schema: 'http://json-schema.org/schema#', ...schema }));
      count++;
    }
  }
  return count;
}

/** Hand-written schemas (already in kubeconform's layout) copied next to the generated ones. */
export function localSchemas(srcDir: string, outDir: string): number {
  let count = 0;
  for (const group of fs.readdirSync(srcDir)) {
    for (const f of fs.readdirSync(path.join(srcDir, group))) {
      if (!f.endsWith('.json')) continue;
      const schema = strictify(JSON.parse(fs.readFileSync(path.join(srcDir, group, f), 'utf8')));
      fs.mkdirSync(path.join(outDir, group), { recursive: true });
      fs.writeFileSync(path.join(outDir, group, f), JSON.stringify(schema));
      count++;
    }
  }
  return count;
}
