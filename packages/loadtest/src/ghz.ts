import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { foodmeshDir, repoRoot } from '@foodmesh/local-infra';
import { ghzDuration } from './duration';
import { PROTO_DIR, type RpcInfo } from './proto-catalog';
import type { LoadStage } from './scenario';

const INSTALL_SCRIPT = path.join(repoRoot, 'scripts/ghz.sh');

/**
 * The path of the pinned ghz, built into .foodmesh/bin on first use (scripts/ghz.sh). Without Go,
 * or when the build fails, the error says so with the command to install it by hand.
 */
export function ensureGhz(log: (line: string) => void = () => undefined, env: NodeJS.ProcessEnv = process.env): string {
  const res = spawnSync('bash', [INSTALL_SCRIPT], { encoding: 'utf8', env });
  for (const line of res.stdout.split('\n').filter(Boolean)) log(line);
  const bin = path.join(env.GHZ_BIN_DIR ?? path.join(foodmeshDir, 'bin'), 'ghz');
  if (res.status !== 0 || !existsSync(bin)) {
    throw new Error(`ghz is not available: ${(res.stderr || res.error?.message || `scripts/ghz.sh exited ${res.status}`).trim()}`);
  }
  return bin;
}

/** One request template of ghz's per-call data: each header's value picked from a list by request number. */
export function rotatingHeaders(perUser: Array<Record<string, string>>, requestsPerUser: number): Record<string, string> {
  if (perUser.length === 1) return perUser[0]!;
  const out: Record<string, string> = {};
  for (const key of Object.keys(perUser[0]!)) {
    // Go template raw strings (backquotes) survive the JSON ghz re-marshals metadata into before
    // templating; request n goes as user (n / requestsPerUser) mod users, so every user sends every request.
    const values = perUser.map((h) => `\`${h[key]}\``).join(' ');
    out[key] = `{{ index (list ${values}) (mod (div .RequestNumber ${requestsPerUser}) ${perUser.length}) }}`;
  }
  return out;
}

/** ghz's --config for one load stage (see github.com/bojand/ghz runner/config.go for the names). */
export function ghzConfig(opts: {
  stage: LoadStage;
  rpc: RpcInfo;
  host: string;
  requests: Array<Record<string, unknown>>;
  metadata: Record<string, string>;
  output: string;
  name: string;
  /** TLS to the host (an ingress with a certificate); plaintext otherwise. */
  tls?: boolean;
}): Record<string, unknown> {
  const { stage } = opts;
  return {
    name: opts.name,
    host: opts.host,
    insecure: !opts.tls,
    proto: path.join(PROTO_DIR, opts.rpc.protoFile),
    'import-paths': [PROTO_DIR],
    call: opts.rpc.fullName,
    data: opts.requests,
    metadata: opts.metadata,
    concurrency: stage.concurrency,
    connections: stage.connections,
    // (In a config file ghz turns max-duration into duration and ignores total, so no cap beside total.)
    ...(stage.total === undefined ? { duration: ghzDuration(stage.duration!) } : { total: stage.total }),
    // Calls still in flight when the duration ends finish and count (close would cut them off as errors).
    'duration-stop': 'wait',
    timeout: ghzDuration(stage.timeout),
    'load-schedule': stage.schedule,
    ...(stage.schedule === 'const'
      ? { rps: stage.rps ?? 0 }
      : {
          'load-start': stage.start,
          'load-end': stage.end,
          'load-step': stage.step,
          ...(stage.stepDuration === undefined ? {} : { 'load-step-duration': ghzDuration(stage.stepDuration) }),
        }),
    format: 'json',
    output: opts.output,
  };
}

/** What we read of ghz's JSON report (durations in ns). */
export interface GhzReport {
  date: string;
  count: number;
  /** Wall time of the run, ns. */
  total: number;
  rps: number;
  statusCodeDistribution: Record<string, number>;
  errorDistribution: Record<string, number> | null;
  details: Array<{ timestamp: string; latency: number; error: string; status: string }>;
}

/** Runs ghz with a config file; resolves with its JSON report. */
export function runGhz(bin: string, configFile: string, outputFile: string): Promise<GhzReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, ['--config', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.resume();
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0 || !existsSync(outputFile)) return reject(new Error(`ghz failed (exit ${code}): ${stderr.trim() || 'no output'}`));
      resolve(JSON.parse(readFileSync(outputFile, 'utf8')) as GhzReport);
    });
  });
}
