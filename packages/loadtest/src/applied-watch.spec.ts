import { settle, type Waiter } from './applied-watch';

const waiter = (partition: number, offset: number, giveUpAt = 1_000): Waiter => ({ partition, offset, giveUpAt, resolve: () => undefined });

describe("settle: which waiters one reading of a group's committed offsets answers", () => {
  it('a record is applied once the committed offset (the next to read) is past it, on its own partition', () => {
    const at5 = waiter(0, 5);
    const at6 = waiter(0, 6);
    const other = waiter(1, 5);
    const { done, left } = settle(
      [at5, at6, other],
      new Map([
        [0, 6],
        [1, 5],
      ]),
      0,
    );
    expect(done).toEqual([[at5, true]]);
    expect(left).toEqual([at6, other]);
  });

  it('a partition the group never committed is not applied; a waiter out of time is settled false', () => {
    const fresh = waiter(2, 0, 1_000);
    const late = waiter(2, 0, 500);
    const { done, left } = settle([fresh, late], new Map([[0, 100]]), 500);
    expect(done).toEqual([[late, false]]);
    expect(left).toEqual([fresh]);
  });

  it('applied wins over out of time in the same reading', () => {
    const w = waiter(0, 1, 0);
    expect(settle([w], new Map([[0, 2]]), 10).done).toEqual([[w, true]]);
  });
});
