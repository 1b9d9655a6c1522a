import { useEffect, useState } from 'react';
import { api } from '../api/client';
import { describeError } from '../api/problem';
import { listFrom, str, type Row } from './fields';

/**
 * A live first page plus older pages loaded on demand, for lists paged by cursor (issue 21:
 * messages, approvals). The first page is the caller's live resource (refetched by events);
 * "older" follows the cursors from where the loaded pages end. The items of the first page
 * seen when older ones were asked for stay listed after it slides (new items pushed them
 * off), so nothing between the pages goes missing; an item in several places shows once,
 * as the first page has it now.
 */
export interface OlderPages {
  items: Row[];
  hasOlder: boolean;
  busy: boolean;
  error: string | undefined;
  loadOlder(): void;
}

export function useOlderPages(path: string, first: unknown, key: string): OlderPages {
  const [older, setOlder] = useState<Row[]>([]);
  const [cursor, setCursor] = useState<string | null | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  // another list (filters changed): start again from its first page
  useEffect(() => {
    setOlder([]);
    setCursor(undefined);
    setError(undefined);
  }, [path]);

  const firstItems = listFrom(first, key);
  const firstNext = first && typeof first === 'object' ? ((first as Row).next as string | null | undefined) : undefined;
  // before any older page, the way on is the first page's own cursor
  const next = cursor === undefined ? (firstNext ?? null) : cursor;

  const seen = new Set<string>();
  const items: Row[] = [];
  for (const item of [...firstItems, ...older]) {
    const id = str(item, 'id') ?? JSON.stringify(item);
    if (seen.has(id)) continue;
    seen.add(id);
    items.push(item);
  }

  const loadOlder = (): void => {
    if (!next || busy) return;
    setBusy(true);
    const pinned = cursor === undefined ? firstItems : [];
    api
      .get<unknown>(`${path}${path.includes('?') ? '&' : '?'}cursor=${encodeURIComponent(next)}`)
      .then((page) => {
        setOlder((o) => [...o, ...pinned, ...listFrom(page, key)]);
        setCursor(((page as Row).next as string | null | undefined) ?? null);
        setError(undefined);
      })
      .catch((err: unknown) => setError(describeError(err)))
      .finally(() => setBusy(false));
  };

  return { items, hasOlder: Boolean(next), busy, error, loadOlder };
}
