import { compareBench, formatDeltas } from './compare';

describe('bench comparison', () => {
  const before = { placeOrder: { rate: 60, p50Ms: 100, p99Ms: 400 }, viewLag: { p50Ms: 50, p99Ms: 300 }, echo: { kitOverBare: 0.5 } };

  it('says which figures got better or worse, by the direction that is good for each', () => {
    const now = { placeOrder: { rate: 90, p50Ms: 102, p99Ms: 600 }, viewLag: { p50Ms: 40, p99Ms: 300 }, echo: { kitOverBare: 0.45 } };
    const byLabel = Object.fromEntries(compareBench(before, now).map((d) => [d.label, d]));
    expect(byLabel['PlaceOrder OK/s']).toMatchObject({ change: 0.5, verdict: 'better' });
    expect(byLabel['PlaceOrder p50 ms']).toMatchObject({ verdict: 'same' });
    expect(byLabel['PlaceOrder p99 ms']).toMatchObject({ change: 0.5, verdict: 'worse' });
    expect(byLabel['event-to-view lag p50 ms']).toMatchObject({ verdict: 'better' });
    expect(byLabel['kit / bare throughput']).toMatchObject({ verdict: 'worse' });
    expect(byLabel['saga end-to-end p50 ms']).toMatchObject({ verdict: 'n/a' });
  });

  it('prints one line per figure with the change in percent', () => {
    const lines = formatDeltas(compareBench(before, { ...before, placeOrder: { rate: 30, p50Ms: 100, p99Ms: 400 } }));
    expect(lines[1]).toMatch(/PlaceOrder OK\/s\s+60\s+30\s+-50%\s+worse/);
  });
});
