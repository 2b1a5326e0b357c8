import { evaluateThresholds, formatMetric, parseThreshold } from './thresholds';

describe('thresholds', () => {
  it('parses durations, ratios, rates and counts into one scale per kind', () => {
    expect(parseThreshold('rpc.p99', '< 1.5s')).toMatchObject({ op: '<', value: 1500 });
    expect(parseThreshold('rpc.p99', '<= 250ms')).toMatchObject({ op: '<=', value: 250 });
    expect(parseThreshold('rpc.errorRate', '< 1%')).toMatchObject({ op: '<', value: 0.01 });
    expect(parseThreshold('rpc.rate', '>= 50/s')).toMatchObject({ op: '>=', value: 50 });
    expect(parseThreshold('sagas.unfinished', '== 0')).toMatchObject({ op: '==', value: 0 });
  });

  it('refuses what cannot parse, naming the metric and an example', () => {
    expect(() => parseThreshold('rpc.p99', 'fast')).toThrow('rpc.p99: "fast" does not parse; write an operator (< <= == >= >) and a number, e.g. "< 250ms"');
    expect(() => parseThreshold('rpc.p99', '< 250')).toThrow('rpc.p99: "< 250" needs a unit (duration), e.g. "< 250ms"');
    expect(() => parseThreshold('rpc.p99', '< 2%')).toThrow('rpc.p99 is a duration: "%" does not fit');
    expect(() => parseThreshold('rpc.p99', '< 2 parsecs')).toThrow('unknown unit "parsecs"');
    expect(() => parseThreshold('rpc.p100', '< 1s')).toThrow('unknown metric "rpc.p100"');
  });

  it('passes and fails by the measured value; an unmeasured metric fails', () => {
    const ts = [parseThreshold('rpc.p99', '< 100ms'), parseThreshold('sagas.unfinished', '== 0'), parseThreshold('viewLag.p99', '< 1s')];
    const results = evaluateThresholds(ts, { 'rpc.p99': 120, 'sagas.unfinished': 0 });
    expect(results.map((r) => [r.metric, r.passed, r.actual])).toEqual([
      ['rpc.p99', false, 120],
      ['sagas.unfinished', true, 0],
      ['viewLag.p99', false, undefined],
    ]);
  });

  it('formats values in the unit people read them in', () => {
    expect(formatMetric('rpc.errorRate', 0.01234)).toBe('1.23%');
    expect(formatMetric('rpc.p99', 12.345)).toBe('12.3ms');
    expect(formatMetric('rpc.rate', 61.26)).toBe('61.3/s');
    expect(formatMetric('viewLag.p99', undefined)).toBe('not measured');
  });
});
