export { checkDockerfile, minNodeMajor, type DockerfileFindings, type NodeRuntime } from './dockerfile.js';
export { checkPosture, type K8sObject, type Problem } from './posture.js';
export { crdSchemas, kubernetesSchemas, localSchemas, SCHEMA_LOCATION } from './schemas.js';
export {
  ensureSchemas,
  findTools,
  generatedMeshCheck,
  istioAnalyze,
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
