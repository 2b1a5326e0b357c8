#!/usr/bin/env node
/**
 * `npm run mesh:render`: writes the Istio resources for mesh/policy.yaml into
 * k8s/base/mesh/, and the Strimzi topics and users for mesh/kafka-access.yaml into
 * k8s/base/data/kafka-access.yaml. `--check` only compares and exits 1 when they are stale.
 */
import fs from 'node:fs';
import path from 'node:path';
import { renderIstioFiles } from '../istio';
import { loadKafkaAccess, renderKafkaAccessFile } from '../kafka-access';
import { loadMeshPolicy } from '../mesh-policy';

const root = path.resolve(__dirname, '../../../..');
const check = process.argv.includes('--check');
let stale = 0;
for (const file of [...renderIstioFiles(loadMeshPolicy()), renderKafkaAccessFile(loadKafkaAccess())]) {
  const target = path.join(root, file.path);
  const current = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : undefined;
  if (current === file.content) continue;
  stale++;
  if (check) console.error(`stale: ${file.path} (run npm run mesh:render)`);
  else {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, file.content);
    console.log(`wrote ${file.path}`);
  }
}
if (check && stale) process.exit(1);
if (!stale) console.log('mesh resources are up to date');
