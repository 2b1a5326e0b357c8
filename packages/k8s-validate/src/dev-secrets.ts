#!/usr/bin/env node
/**
 * npm run k8s:dev-secrets: the dev overlay's secrets, generated once into
 * k8s/overlays/dev/generated/ (git-ignored) and read by its kustomize generators:
 * a random password per service database, the demo sign-in's ES256 signing key
 * and the public key set every service and the RequestAuthentications verify
 * users' tokens with. Existing files are kept (re-rendering must not change the
 * cluster's keys); delete the folder to rotate everything. Production secrets
 * never come from here: see docs/deploy.md, "Secrets".
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateSigningKey, keySetOf } from '@foodmesh/platform/signing-keys';

/** The services that own a database: one `<service>-db` Secret each (CloudNativePG and the Deployment read it). */
export const DATABASE_SERVICES = ['order', 'payment', 'store', 'delivery', 'orderview', 'notification'] as const;

/** Writes whatever of the dev secrets is missing under `dir`; returns the files it wrote. */
export function ensureDevSecrets(dir: string): string[] {
  const written: string[] = [];
  const write = (file: string, content: () => string) => {
    const target = path.join(dir, file);
    if (fs.existsSync(target)) return;
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(target, content(), { mode: 0o600 });
    written.push(file);
  };
  for (const service of DATABASE_SERVICES) {
    // Hex: URL-safe, since the Deployments compose DATABASE_URL from it.
    write(`${service}-db.env`, () => `username=${service}\npassword=${randomBytes(24).toString('hex')}\n`);
  }
  if (!fs.existsSync(path.join(dir, 'demo-signing-key.json'))) {
    const key = generateSigningKey(`dev-users-${new Date().toISOString().slice(0, 10)}-${randomBytes(3).toString('hex')}`);
    // The key set is derived from the key: both are (re)written together.
    fs.rmSync(path.join(dir, 'auth-jwks.json'), { force: true });
    write('demo-signing-key.json', () => JSON.stringify(key));
    write('auth-jwks.json', () => JSON.stringify(keySetOf(key)));
  }
  return written;
}

if (require.main === module) {
  const dir = path.resolve(__dirname, '../../../k8s/overlays/dev/generated');
  const written = ensureDevSecrets(dir);
  console.log(
    written.length ? `k8s:dev-secrets: wrote ${written.join(', ')} in ${path.relative(process.cwd(), dir)}` : 'k8s:dev-secrets: all present, nothing changed',
  );
}
