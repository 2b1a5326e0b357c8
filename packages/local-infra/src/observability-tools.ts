import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { checkJava, checkMaven } from './kafka';
import { cachedDir, run, tail } from './processes';
import { foodmeshDir, repoRoot, type Log } from './util';

/** The pinned versions in observability/tools.env (shared with scripts/observability-tools.sh). */
export function observabilityVersions(): { prometheus: string; zipkin: string } {
  const env = Object.fromEntries(
    readFileSync(path.join(repoRoot, 'observability/tools.env'), 'utf8')
      .split('\n')
      .map((l) => /^([A-Z_]+)=(\S+)/.exec(l.trim()))
      .filter((m) => m !== null)
      .map((m) => [m[1]!, m[2]!]),
  );
  if (!env.PROMETHEUS_VERSION || !env.ZIPKIN_VERSION) throw new Error('observability/tools.env must pin PROMETHEUS_VERSION and ZIPKIN_VERSION');
  return { prometheus: env.PROMETHEUS_VERSION, zipkin: env.ZIPKIN_VERSION };
}

const bin = path.join(foodmeshDir, 'bin');
export const prometheusBinary = path.join(bin, 'prometheus');
export const promtoolBinary = path.join(bin, 'promtool');

/**
 * Prometheus and promtool at the pinned version in .foodmesh/bin, built by
 * scripts/observability-tools.sh when missing (minutes the first time: its progress goes to `log`).
 */
export async function ensurePrometheus(log: Log = () => {}): Promise<{ prometheus: string; promtool: string }> {
  const stamp = path.join(bin, '.prometheus.version');
  const want = `github.com/prometheus/prometheus@${observabilityVersions().prometheus}`;
  const ready = () => existsSync(prometheusBinary) && existsSync(promtoolBinary) && existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === want;
  if (!ready()) {
    const script = path.join(repoRoot, 'scripts/observability-tools.sh');
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn('bash', [script], { stdio: ['ignore', 'pipe', 'pipe'] });
      for (const stream of [child.stdout, child.stderr]) createInterface({ input: stream }).on('line', log);
      child.on('error', reject);
      child.on('close', resolve);
    });
    if (code !== 0 || !ready()) throw new Error(`Prometheus is not installed (bash scripts/observability-tools.sh exited ${code}; its messages are above)`);
  }
  return { prometheus: prometheusBinary, promtool: promtoolBinary };
}

/** The Zipkin server's executable jar, resolved from Maven Central once into .foodmesh/cache/. */
export async function ensureZipkinJar(log: Log = () => {}): Promise<string> {
  checkJava();
  const version = observabilityVersions().zipkin;
  const artifact = `io.zipkin:zipkin-server:${version}:jar:exec`;
  const dir = await cachedDir(path.join(foodmeshDir, 'cache', `zipkin-${version}`), artifact, async (tmp) => {
    checkMaven();
    log(`resolving the Zipkin server ${version} from Maven Central (first run only, 131 MB)…`);
    const out = await run('mvn', ['-q', '-B', 'dependency:copy', `-Dartifact=${artifact}`, `-DoutputDirectory=${tmp}`]);
    if (out.code !== 0) throw new Error(`mvn could not resolve ${artifact} (exit ${out.code}):\n${tail(out.output, 30)}`);
  });
  return path.join(dir, `zipkin-server-${version}-exec.jar`);
}
