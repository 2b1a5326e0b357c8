import { createOwnershipIndex } from './ownership';

describe('ownership index', () => {
  it('remembers the first owner of an order and forgets the oldest orders beyond its bound', () => {
    const index = createOwnershipIndex(2);
    index.record('o1', { customerId: 'customer-1', storeId: 's1' });
    index.record('o1', { customerId: 'customer-2', storeId: 's2' }); // a later event never changes the owner
    index.record('o2', { customerId: 'customer-2', storeId: 's1' });
    expect(index.lookup('o1')).toEqual({ customerId: 'customer-1', storeId: 's1' });
    index.record('o3', { customerId: 'customer-1', storeId: 's1' });
    expect(index.lookup('o1')).toBeUndefined();
    expect(index.size).toBe(2);
  });
});
