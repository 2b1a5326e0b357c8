import { invalidArgument, notFound, pageOf, permissionDenied, readPage, type PageRequestLike, type User } from '@foodmesh/platform';
import type { PaymentQueries, PaymentRecord } from './ports';

export async function getPayment(queries: PaymentQueries, paymentId: string): Promise<PaymentRecord> {
  const p = /^[0-9a-f-]{36}$/i.test(paymentId) ? await queries.findById(paymentId) : undefined;
  if (!p) throw notFound(`no payment with id "${paymentId}"`);
  return p;
}

/**
 * The payments of one order or one customer, newest first. Someone acting for a customer sees
 * only theirs; callers without an identity (services, support tools in the mesh) see all.
 */
export async function listPayments(
  queries: PaymentQueries,
  who: Pick<User, 'userId' | 'role'> | undefined,
  req: { orderId: string; customerId: string; page?: PageRequestLike },
) {
  if (!req.orderId === !req.customerId) throw invalidArgument('set exactly one of order_id and customer_id');
  if (who && who.role !== 'customer') throw permissionDenied(`payments are listed for their customer; you are signed in as a ${who.role}`);
  if (who && req.customerId && req.customerId !== who.userId) throw permissionDenied('you can only list your own payments');
  const page = readPage(req.page);
  const rows = await queries.listPayments({ orderId: req.orderId || undefined, customerId: who?.userId ?? (req.customerId || undefined) }, page);
  return pageOf(rows, page);
}
