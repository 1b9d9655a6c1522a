import { ValidationError } from '../../shared/errors/validation-error.js';

/**
 * Opaque keyset cursors for paged lists: a cursor holds the sort key and order of the list
 * it came from and the (value, id) of the last item it returned; the next page starts
 * strictly after that pair. Unlike an offset, a keyset survives concurrent inserts: an item
 * created meanwhile lands before the cursor (not shown on this walk) or after it (shown
 * once), and no item already listed moves, so a walk never skips nor repeats one — as long
 * as the sort value does not change under it (ids and creation times never do).
 */
export type SortValue = string | number;

export interface Cursor {
  /** the list's sort key and order, so a cursor is never replayed against another order */
  sort: string;
  value: SortValue;
  id: string;
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.sort, c.value, c.id]), 'utf8').toString('base64url');
}

export function decodeCursor(raw: string, sort: string): Cursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 3 || typeof parsed[0] !== 'string' || !['string', 'number'].includes(typeof parsed[1]) || typeof parsed[2] !== 'string') {
    throw new ValidationError('The cursor is not one this server gave', [{ path: 'query.cursor', message: 'not a cursor from a previous page', code: 'custom' }]);
  }
  if (parsed[0] !== sort) {
    throw new ValidationError(`The cursor belongs to a list sorted by ${parsed[0]}, not ${sort}`, [{ path: 'query.cursor', message: 'the sort changed: start again without a cursor', code: 'custom' }]);
  }
  return { sort: parsed[0], value: parsed[1] as SortValue, id: parsed[2] };
}

/** Orders (value, id) pairs; ids break ties so the order is total. */
export function compareKeys(a: SortValue, aId: string, b: SortValue, bId: string): number {
  if (a !== b) {
    if (typeof a === 'number' && typeof b === 'number') return a - b;
    return String(a) < String(b) ? -1 : 1;
  }
  return aId < bId ? -1 : aId > bId ? 1 : 0;
}

/**
 * One page of an already filtered list: sorts by (value, id), starts after the cursor,
 * takes `limit`, and says the cursor of the next page (null at the end).
 */
export function pageOf<T>(items: readonly T[], options: { sort: string; desc: boolean; limit: number; cursor?: string; keyOf: (item: T) => SortValue; idOf: (item: T) => string }): { items: T[]; next: string | null } {
  const { sort, desc, limit, keyOf, idOf } = options;
  const dir = desc ? -1 : 1;
  const sorted = [...items].sort((a, b) => dir * compareKeys(keyOf(a), idOf(a), keyOf(b), idOf(b)));
  const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor, sort);
  const start = after === undefined ? 0 : firstAfter(sorted, (item) => dir * compareKeys(keyOf(item), idOf(item), after.value, after.id) > 0);
  const page = sorted.slice(start, start + limit);
  const last = page.at(-1);
  const more = start + limit < sorted.length;
  return { items: page, next: more && last !== undefined ? encodeCursor({ sort, value: keyOf(last), id: idOf(last) }) : null };
}

/** binary search: the first index whose item passes (the items pass from some index on) */
function firstAfter<T>(sorted: readonly T[], passes: (item: T) => boolean): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (passes(sorted[mid] as T)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Cursors over a Redis sorted set read newest first (shared/zset-keyset.ts: the message log,
 * the approvals): the (score, member) of the last item, under the list's order name.
 */
export function encodeZsetCursor(sort: string, key: { score: number; member: string } | undefined): string | null {
  return key ? encodeCursor({ sort, value: key.score, id: key.member }) : null;
}

export function decodeZsetCursor(raw: string | undefined, sort: string): { score: number; member: string } | undefined {
  if (raw === undefined) return undefined;
  const c = decodeCursor(raw, sort);
  if (typeof c.value !== 'number') throw new ValidationError('The cursor is not one this server gave', [{ path: 'query.cursor', message: 'not a cursor from a previous page', code: 'custom' }]);
  return { score: c.value, member: c.id };
}
