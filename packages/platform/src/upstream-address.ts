import { isIP } from 'node:net';

/**
 * Where a client finds an upstream: `host:port` (in a cluster, the Kubernetes Service; the mesh
 * balances behind it), or a comma-separated list of `ip:port`, one per replica (replicas started
 * side by side on one machine), which the client balances round-robin itself.
 * Returns the grpc-js target, or a sentence saying what is wrong.
 */
export function upstreamTarget(address: string): { target: string } | { error: string } {
  const parts = address.split(',').map((p) => p.trim());
  if (parts.length === 1) {
    return /^[^\s:,]+:\d+$/.test(parts[0]!) ? { target: parts[0]! } : { error: 'must be host:port, or a comma-separated list of ip:port' };
  }
  const families = new Set<number>();
  for (const part of parts) {
    const m = /^\[?([^\]\s]+?)\]?:(\d+)$/.exec(part);
    const family = m ? isIP(m[1]!) : 0;
    if (!family) return { error: `"${part}": a list of addresses takes ip:port entries (no host names)` };
    families.add(family);
  }
  if (families.size > 1) return { error: 'a list of addresses must be all IPv4 or all IPv6' };
  // grpc-js's ipv4:/ipv6: resolvers take a comma-separated list; round_robin (service config) spreads calls over it.
  return { target: `${families.has(6) ? 'ipv6' : 'ipv4'}:${parts.join(',')}` };
}
