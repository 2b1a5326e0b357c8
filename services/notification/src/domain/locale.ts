import { LOCALES, type Locale } from '@foodmesh/platform/customer-text';

/**
 * Each recipient's language: the configured override, else the default.
 * `overrides` is "user=locale,user=locale" (e.g. "customer-2=en").
 */
export function localeResolver(defaultLocale: Locale, overrides: string): (recipientId: string) => Locale {
  const map = new Map<string, Locale>();
  for (const pair of overrides
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [user, loc] = pair.split('=').map((s) => s.trim());
    if (!user || !LOCALES.includes(loc as Locale)) throw new Error(`bad locale override "${pair}": want user=ko or user=en`);
    map.set(user, loc as Locale);
  }
  return (recipientId) => map.get(recipientId) ?? defaultLocale;
}
