export { checkDockerfile, minNodeMajor, type DockerfileFindings, type NodeRuntime } from './dockerfile.js';
export { checkPosture, type K8sObject, type Problem } from './posture.js';
export { networkRules, networkWarnings } from './network-posture.js';
export { imageWarnings } from './image-posture.js';
export { observabilityRules, selects, serviceHost, type MeshConfig } from './observability-posture.js';
export { generatedRulesCheck, PROMETHEUS_RULE_FILE, renderPrometheusRule, RULES_SOURCE } from './prometheus-rule.js';
export { crdSchemas, kubernetesSchemas, localSchemas, SCHEMA_LOCATION } from './schemas.js';
export {
  ensureSchemas,
  findTools,
  generatedMeshCheck,
  istioAnalyze,
  ISTIO_OPERATOR_FILE,
  loadIstioOperator,
  OVERLAYS,
  parseManifests,
  renderOverlay,
  REPO_ROOT,
  schemaCheck,
  validateDockerfile,
  validateOverlay,
  validateRendered,
  type Report,
  type Tools,
} from './validate.js';
