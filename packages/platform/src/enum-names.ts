/**
 * A proto enum's values by their short names (ORDER_STATUS_COOKING ↔ 'COOKING'): how logs and
 * messages say a value, and how every service stores one. A status (or kind, or channel) column
 * holds the short name as text under a CHECK that lists the names, so a row reads the same in
 * psql, in SQL (`WHERE status = 'AWAITING_PAYMENT'`) and in the code, the database refuses a
 * value the code does not know, and no table depends on the wire's numbers.
 *
 * Pure (no imports), so domain code and the browser bundle may use it.
 */
export interface EnumNames<E extends number> {
  /** Every value's short name, in declaration order (UNSPECIFIED and UNRECOGNIZED are not values). */
  readonly names: readonly string[];
  /** The short name of `value`; an unknown number is named by its digits (for messages; a CHECK refuses it). */
  name(value: number): string;
  /** The value named `name`; an unknown name throws. */
  value(name: string): E;
}

export function enumNames<E extends number>(enumObject: Record<string, string | number>, prefix: string): EnumNames<E> {
  const byName = new Map<string, E>();
  for (const [key, v] of Object.entries(enumObject)) {
    if (typeof v === 'number' && v > 0 && key.startsWith(prefix)) byName.set(key.slice(prefix.length), v as E);
  }
  const what = prefix.replace(/_$/, '').replace(/_/g, ' ').toLowerCase();
  return {
    names: [...byName.keys()],
    name: (value) => {
      const key = enumObject[value];
      return typeof key === 'string' ? key.replace(prefix, '') : String(value);
    },
    value: (name) => {
      const v = byName.get(name);
      if (v === undefined) throw new Error(`unknown ${what} "${name}"`);
      return v;
    },
  };
}
