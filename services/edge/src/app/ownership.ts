/**
 * Who owns each order: its customer and its store. The internal services hide
 * another customer's order as NOT_FOUND; the edge's contract says
 * PERMISSION_DENIED, so the edge keeps this small index, fed by every order
 * event on `order.events` (see adapters/kafka) and by the orders it places
 * itself. It is bounded: the oldest orders are forgotten first (an order the
 * index does not know falls back to the internal service's NOT_FOUND).
 */
export interface OrderOwner {
  customerId: string;
  storeId: string;
}

export function createOwnershipIndex(maxOrders: number) {
  const owners = new Map<string, OrderOwner>();
  return {
    record(orderId: string, owner: OrderOwner): void {
      if (!orderId || !owner.customerId || owners.has(orderId)) return;
      owners.set(orderId, owner);
      if (owners.size > maxOrders) owners.delete(owners.keys().next().value!);
    },
    lookup: (orderId: string): OrderOwner | undefined => owners.get(orderId),
    get size() {
      return owners.size;
    },
  };
}
export type OwnershipIndex = ReturnType<typeof createOwnershipIndex>;
