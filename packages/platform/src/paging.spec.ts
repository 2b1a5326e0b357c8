import { DomainError } from './errors';
import { pageOf, readPage } from './paging';

describe('paging', () => {
  it('defaults to 20 and caps at 100', () => {
    expect(readPage(undefined)).toEqual({ limit: 20, offset: 0 });
    expect(readPage({ pageSize: 0, pageToken: '' })).toEqual({ limit: 20, offset: 0 });
    expect(readPage({ pageSize: 500, pageToken: '' })).toEqual({ limit: 100, offset: 0 });
  });

  it('walks pages with the token of the previous page, and ends with an empty token', () => {
    const rows = [1, 2, 3, 4, 5];
    const first = readPage({ pageSize: 2, pageToken: '' });
    const p1 = pageOf(rows.slice(first.offset, first.offset + first.limit + 1), first);
    expect(p1.items).toEqual([1, 2]);
    const second = readPage({ pageSize: 2, pageToken: p1.nextPageToken });
    expect(second).toEqual({ limit: 2, offset: 2 });
    const third = readPage({ pageSize: 2, pageToken: pageOf(rows.slice(2, 5), second).nextPageToken });
    const p3 = pageOf(rows.slice(third.offset, third.offset + third.limit + 1), third);
    expect(p3).toEqual({ items: [5], nextPageToken: '' });
  });

  it('rejects a negative size and a token it did not issue', () => {
    expect(() => readPage({ pageSize: -1, pageToken: '' })).toThrow(DomainError);
    expect(() => readPage({ pageSize: 0, pageToken: 'garbage!' })).toThrow('page.page_token is not a token this list returned');
  });
});
