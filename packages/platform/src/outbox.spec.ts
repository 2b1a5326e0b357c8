import { chunksOf } from './outbox';

const row = (id: number, bytes: number) => ({ id, message_key: 'o-1', payload: Buffer.alloc(bytes), headers: { 'event-id': 'x' } });

describe('chunksOf', () => {
  it('keeps the rows in order in chunks whose record batches fit, and gives a row too large on its own a chunk marked so', () => {
    const rows = [row(1, 3000), row(2, 3000), row(3, 3000), row(4, 20_000), row(5, 100), row(6, 100)];
    const chunks = chunksOf(rows, 8 * 1024);
    expect(chunks.map((c) => [c.rows.map((r) => r.id), c.tooLarge])).toEqual([
      [[1, 2], false],
      [[3], false],
      [[4], true],
      [[5, 6], false],
    ]);
    for (const c of chunks.filter((x) => !x.tooLarge)) expect(c.bytes).toBeLessThan(8 * 1024);
  });

  it('puts everything in one chunk when it fits', () => {
    expect(chunksOf([row(1, 10), row(2, 10)], 1024 * 1024)).toHaveLength(1);
    expect(chunksOf([], 1024)).toEqual([]);
  });
});
