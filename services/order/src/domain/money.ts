import { invalidArgument } from '@foodmesh/platform/errors';
import type { Money } from '@foodmesh/proto-gen/foodmesh/common/v1/money';

/** The platform's one currency; KRW has no minor unit, so units are whole won. */
export const CURRENCY = 'KRW';

export const krw = (units: number): Money => ({ currencyCode: CURRENCY, units });

/** The amount in won; INVALID_ARGUMENT naming the field when it is in another currency. */
export function krwUnits(money: Money, field: string): number {
  if (money.currencyCode !== CURRENCY) {
    throw invalidArgument(`${field} must be in ${CURRENCY}, not "${money.currencyCode || '(none)'}"`, 'UNSUPPORTED_CURRENCY');
  }
  if (!Number.isSafeInteger(money.units) || money.units < 0) throw invalidArgument(`${field} must be a whole, non-negative number of won`);
  return money.units;
}
