import { invalidArgument } from '@foodmesh/platform/errors';

/** The platform's one currency; KRW has no minor unit, so units are whole won. */
export const CURRENCY = 'KRW';

export interface MoneyLike {
  currencyCode: string;
  units: number;
}

/** The amount in won, or INVALID_ARGUMENT naming the field when it is missing, not KRW or not positive. */
export function positiveKrw(money: MoneyLike | undefined, field: string): number {
  if (!money) throw invalidArgument(`${field} is required`);
  if (money.currencyCode !== CURRENCY) {
    throw invalidArgument(`${field} must be in ${CURRENCY}, not "${money.currencyCode || '(none)'}"`, 'UNSUPPORTED_CURRENCY');
  }
  if (!Number.isSafeInteger(money.units) || money.units <= 0) throw invalidArgument(`${field} must be a positive number of won, not ${money.units}`);
  return money.units;
}

export const krw = (units: number) => ({ currencyCode: CURRENCY, units });
