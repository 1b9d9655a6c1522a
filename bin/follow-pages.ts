import type { ApiClient } from './api-client.js';

/**
 * Follows a list's cursors (`next`, issue 21) until `limit` items are read or the list ends,
 * asking for at most `pageSize` a request; answers the items and whether more remain.
 */
export async function followPages<T>(client: ApiClient, path: string, query: URLSearchParams, key: string, limit: number, pageSize: number): Promise<{ items: T[]; total: number | undefined; more: boolean }> {
  const items: T[] = [];
  let cursor: string | null = null;
  let total: number | undefined;
  do {
    const q = new URLSearchParams(query);
    q.set('limit', String(Math.min(pageSize, limit - items.length)));
    if (cursor) q.set('cursor', cursor);
    const page = await client.call<Record<string, unknown>>('GET', `${path}?${q.toString()}`);
    items.push(...((page[key] as T[] | undefined) ?? []));
    total = typeof page.total === 'number' ? page.total : total;
    cursor = (page.next as string | null | undefined) ?? null;
  } while (cursor !== null && items.length < limit);
  return { items, total, more: cursor !== null };
}
