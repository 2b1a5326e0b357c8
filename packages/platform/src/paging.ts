import { invalidArgument } from './errors';

/**
 * The paging convention of every list RPC (foodmesh.common.v1.PageRequest):
 * page_size 0 means 20, above 100 means 100; the token is opaque. Tokens here
 * are an offset, which is enough for the small, owner- or rider-scoped lists
 * the services serve.
 */
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export interface PageRequestLike {
  pageSize: number;
  pageToken: string;
}

export interface Page {
  limit: number;
  offset: number;
}

/** The page a request asks for; a negative size or a token we did not issue is INVALID_ARGUMENT. */
export function readPage(page: PageRequestLike | undefined): Page {
  const size = page?.pageSize ?? 0;
  if (size < 0) throw invalidArgument('page.page_size must not be negative');
  const limit = size === 0 ? DEFAULT_PAGE_SIZE : Math.min(size, MAX_PAGE_SIZE);
  const token = page?.pageToken ?? '';
  if (!token) return { limit, offset: 0 };
  const match = /^o:(\d{1,15})$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  if (!match) throw invalidArgument('page.page_token is not a token this list returned');
  const offset = Number(match[1]);
  return { limit, offset };
}

/**
 * Cuts one page from rows fetched with `LIMIT page.limit + 1`: the extra row
 * only says there is a next page.
 */
export function pageOf<T>(rows: T[], page: Page): { items: T[]; nextPageToken: string } {
  if (rows.length <= page.limit) return { items: rows, nextPageToken: '' };
  return { items: rows.slice(0, page.limit), nextPageToken: Buffer.from(`o:${page.offset + page.limit}`).toString('base64url') };
}
