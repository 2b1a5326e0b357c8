import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { NOT_SENT_RETRY_ON, RETRY_ON, renderIstioFiles } from './istio';
import { connectRetriesOf, loadMeshPolicy, localSettings, upstreamPolicy } from './mesh-policy';

const root = path.resolve(__dirname, '../../..');
const ms = (d: string) => (d.endsWith('ms') ? Number(d.slice(0, -2)) : Number(d.slice(0, -1)) * 1000);

describe('Istio rendering of mesh/policy.yaml', () => {
  const policy = loadMeshPolicy();
  const files = renderIstioFiles(policy);

  it('is up to date in k8s/ (run `npm run mesh:render` after changing the policy)', () => {
    for (const f of files) {
      const target = path.join(root, f.path);
      expect(fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : `(missing ${f.path})`).toBe(f.content);
    }
  });

  describe.each(Object.keys(policy.upstreams))('upstream %s: the local and the Istio rendering agree', (upstream) => {
    const p = upstreamPolicy(policy, upstream, '');
    const local = localSettings(p, 'local');
    const host = p.host ?? upstream;
    const dr = parse(files.find((f) => f.path.endsWith(`/${host}-destinationrule.yaml`))!.content);
    const vs = parse(files.find((f) => f.path.endsWith(`/${host}-virtualservice.yaml`))!.content);
    const [retryRoute, defaultRoute] = vs.spec.http.length === 2 ? vs.spec.http : [undefined, vs.spec.http[0]];

    it('has the same overall timeout on every route', () => {
      for (const r of vs.spec.http) expect(ms(r.timeout)).toBe(local.timeoutMs);
    });

    it('retries the same methods, as many times, with the same per-try timeout and codes', () => {
      if (!local.retries) return expect(retryRoute).toBeUndefined();
      expect(retryRoute.retries.attempts + 1).toBe(local.retries.attempts);
      expect(ms(retryRoute.retries.perTryTimeout)).toBe(local.retries.perTryTimeoutMs);
      expect(retryRoute.match.map((m: any) => m.uri.exact)).toEqual(local.retries.methods.map((m) => `/${p.service}/${m}`));
      const conditions = retryRoute.retries.retryOn.split(',');
      for (const code of local.retries.retryOn) for (const c of RETRY_ON[code]!) expect(conditions).toContain(c);
    });

    it('tries any other method again only when the request never reached the server', () => {
      expect(defaultRoute.match).toBeUndefined();
      expect(defaultRoute.retries).toEqual({ attempts: connectRetriesOf(policy), retryOn: NOT_SENT_RETRY_ON });
    });

    it('bounds retries in flight by the retry budget, where the policy sets one', () => {
      expect(dr.spec.trafficPolicy.connectionPool?.http?.maxRetries).toBe(p.retries?.maxConcurrent);
      expect(local.retries?.maxConcurrent).toBe(p.retries?.maxConcurrent);
    });

    it('opens the breaker at the same thresholds and caps concurrency the same way', () => {
      if (!local.breaker) return expect(dr.spec.trafficPolicy.outlierDetection).toBeUndefined();
      const od = dr.spec.trafficPolicy.outlierDetection;
      expect(od.consecutive5xxErrors).toBe(local.breaker.consecutiveErrors);
      expect(ms(od.baseEjectionTime)).toBe(local.breaker.halfOpenAfterMs);
      expect(dr.spec.trafficPolicy.connectionPool.http.http2MaxRequests).toBe(local.breaker.maxConcurrent);
      expect(dr.spec.trafficPolicy.connectionPool.http.http1MaxPendingRequests).toBe(local.breaker.maxQueued);
    });
  });
});
