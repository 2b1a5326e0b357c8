import { Report, waitFor } from './report';

describe('scenario report', () => {
  it('counts passes and failures and skips the rest of a flow after a failure', async () => {
    const lines: string[] = [];
    const r = new Report((l) => lines.push(l));
    r.section('flow A');
    await r.step('one', async () => 'detail');
    await r.step('two', async () => {
      throw new Error('boom');
    });
    await r.step('three', async () => undefined);
    r.section('flow B');
    await r.step('four', async () => undefined);
    expect(r.summary()).toBe('2 passed, 1 failed');
    expect(lines).toContain('  ✗ two');
    expect(r.failures).toEqual(['two: boom']);
    expect(lines).toContain('      boom');
    expect(lines.some((l) => l.includes('three (skipped'))).toBe(true);
    expect(lines).toContain('  ✓ four');
  });

  it('waitFor gives up with the last reason', async () => {
    await expect(
      waitFor(
        'nothing',
        async () => {
          throw new Error('still no');
        },
        300,
      ),
    ).rejects.toThrow('waiting for nothing: still no');
  });
});
