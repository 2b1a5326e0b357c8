import { bindService, invalidArgument, notFound, pageOf, permissionDenied, readPage, requiredText, requireUser, type CallContext } from '@foodmesh/platform';
import { StoreOrderStatus, StoreServiceService, type Store, type StoreOrder } from '@foodmesh/proto-gen/foodmesh/store/v1/store';
import { runOwnerCommand, type OwnerCommand } from '../../app/owner-commands';
import type { InTransaction, StoreOrderRecord, StoreRecord } from '../../app/ports';
import { STORE_ORDER_STATUSES, type StoreOrderStatus as Status } from '../../domain/store-order';
import type { StoreQueries } from '../pg/store-queries';

const toProtoStatus = (s: Status): StoreOrderStatus => StoreOrderStatus[`STORE_ORDER_STATUS_${s}`];

function fromProtoStatus(s: StoreOrderStatus): Status | undefined {
  if (s === StoreOrderStatus.STORE_ORDER_STATUS_UNSPECIFIED) return undefined;
  const found = STORE_ORDER_STATUSES.find((x) => toProtoStatus(x) === s);
  if (!found) throw invalidArgument(`status ${s} is not a store order status`);
  return found;
}

const toStore = (s: StoreRecord): Store => ({ ...s });

const toStoreOrder = (o: StoreOrderRecord): StoreOrder => ({
  orderId: o.orderId,
  storeId: o.storeId,
  items: o.items,
  total: o.total,
  status: toProtoStatus(o.status),
  estimatedReadyMinutes: o.estimatedReadyMinutes,
  reason: o.reason,
  createdAt: o.createdAt,
  updatedAt: o.updatedAt,
});

/** The StoreService RPCs: validate the request, read or run a use case, map the result. */
export function storeService(deps: { queries: StoreQueries; inTx: InTransaction }) {
  const { queries, inTx } = deps;

  const ownerCommand = async (req: { storeId: string; orderId: string }, ctx: CallContext, command: OwnerCommand['command']) => {
    const storeId = requiredText(req.storeId, 'store_id');
    const orderId = requiredText(req.orderId, 'order_id');
    const owner = requireUser(ctx, 'owner');
    const order = await runOwnerCommand(inTx, { ownerId: owner.userId, storeId, orderId, command });
    return { storeOrder: toStoreOrder(order) };
  };

  return bindService(StoreServiceService, {
    async listStores(req) {
      const page = readPage(req.page);
      const { items, nextPageToken } = pageOf(await queries.listStores(req.region.trim(), page), page);
      return { stores: items.map(toStore), nextPageToken };
    },
    async getMenu(req) {
      const storeId = requiredText(req.storeId, 'store_id');
      const store = await queries.findStore(storeId);
      if (!store) throw notFound(`there is no store "${storeId}"`);
      const menu = await queries.menuOf(storeId);
      return { store: toStore(store), items: menu.items, menuVersion: menu.menuVersion };
    },
    async listStoreOrders(req, ctx) {
      const storeId = requiredText(req.storeId, 'store_id');
      const status = fromProtoStatus(req.status);
      const page = readPage(req.page);
      const owner = requireUser(ctx, 'owner');
      const store = await queries.findStore(storeId);
      if (!store) throw notFound(`there is no store "${storeId}"`);
      if (store.ownerId !== owner.userId) throw permissionDenied(`store "${storeId}" is not yours; you can only see your own store's orders`);
      const { items, nextPageToken } = pageOf(await queries.listStoreOrders(storeId, status, page), page);
      return { storeOrders: items.map(toStoreOrder), nextPageToken };
    },
    acceptOrder: (req, ctx) => ownerCommand(req, ctx, { type: 'accept', estimatedReadyMinutes: req.estimatedReadyMinutes }),
    rejectOrder: (req, ctx) => ownerCommand(req, ctx, { type: 'reject', reason: req.reason }),
    startCooking: (req, ctx) => ownerCommand(req, ctx, { type: 'startCooking' }),
    finishCooking: (req, ctx) => ownerCommand(req, ctx, { type: 'finishCooking' }),
  });
}
