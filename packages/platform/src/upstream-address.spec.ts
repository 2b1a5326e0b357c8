import { upstreamTarget } from './upstream-address';

describe('upstreamTarget', () => {
  it('passes a single host:port through (DNS or a Kubernetes Service)', () => {
    expect(upstreamTarget('payment:50051')).toEqual({ target: 'payment:50051' });
    expect(upstreamTarget('127.0.0.1:50052')).toEqual({ target: '127.0.0.1:50052' });
  });

  it('turns a list of replicas into one grpc-js ipv4/ipv6 target', () => {
    expect(upstreamTarget('127.0.0.1:1001, 127.0.0.1:1002')).toEqual({ target: 'ipv4:127.0.0.1:1001,127.0.0.1:1002' });
    expect(upstreamTarget('[::1]:1001,[::1]:1002')).toEqual({ target: 'ipv6:[::1]:1001,[::1]:1002' });
  });

  it('refuses what grpc-js could not resolve, saying why', () => {
    expect(upstreamTarget('payment')).toEqual({ error: 'must be host:port, or a comma-separated list of ip:port' });
    expect(upstreamTarget('payment:1,payment:2')).toEqual({ error: '"payment:1": a list of addresses takes ip:port entries (no host names)' });
    expect(upstreamTarget('127.0.0.1:1,[::1]:2')).toEqual({ error: 'a list of addresses must be all IPv4 or all IPv6' });
  });
});
