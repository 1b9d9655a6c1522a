import { useCallback, useEffect, useRef, useState } from 'react';
import { useEventListener } from '../live/live-context';
import type { LiveEvent } from '../live/types';
import { api } from './client';
import { ApiError, CLIENT_CODE } from './problem';

/**
 * One GET endpoint as React state. It refetches when an event of `refreshOn` arrives
 * (throttled: a burst of events costs one request) — the stream says *that* something
 * changed, the endpoint says what it is now. `pollMs` is only for figures no event
 * carries (queue counts, heartbeat ages).
 *
 * A 404 `nox:route-not-found` is not an error: the feature is not in this API version,
 * and `unavailable` lets the page say so instead of showing made-up data.
 */
export interface Resource<T> {
  data: T | undefined;
  /** the path `data` answers: until a new path's answer arrives, `data` is the old path's */
  dataPath: string | undefined;
  error: ApiError | undefined;
  loading: boolean;
  unavailable: boolean;
  reload(): void;
}

export interface ResourceOptions {
  refreshOn?: readonly string[];
  /** only refetch for events that pass this (e.g. events of one agent) */
  filter?: (event: LiveEvent) => boolean;
  pollMs?: number;
  /** at most one refetch per this many ms of events (default 250): a figure a busy fleet changes often wants more */
  throttleMs?: number;
  /** null: do not fetch (a dependency is missing) */
  enabled?: boolean;
}

const THROTTLE_MS = 250;

export function useResource<T>(path: string | null, options: ResourceOptions = {}): Resource<T> {
  const [data, setData] = useState<T>();
  const [dataPath, setDataPath] = useState<string>();
  const [error, setError] = useState<ApiError>();
  const [loading, setLoading] = useState(path !== null);
  const [tick, setTick] = useState(0);
  const debounce = useRef<ReturnType<typeof setTimeout>>(undefined);

  const reload = useCallback(() => setTick((t) => t + 1), []);

  useEffect(() => {
    if (path === null) return;
    const abort = new AbortController();
    setLoading(true);
    api
      .get<T>(path, { signal: abort.signal })
      .then((value) => {
        setData(value);
        setDataPath(path);
        setError(undefined);
      })
      .catch((err: unknown) => {
        if ((err as Error).name === 'AbortError') return;
        setError(err instanceof ApiError ? err : new ApiError(0, CLIENT_CODE.client, String(err)));
      })
      .finally(() => {
        if (!abort.signal.aborted) setLoading(false);
      });
    return () => abort.abort();
  }, [path, tick]);

  useEventListener(options.refreshOn ?? [], (event) => {
    if (options.filter && !options.filter(event)) return;
    // a throttle, not a debounce: a steady stream of events must not starve the refetch
    debounce.current ??= setTimeout(() => {
      debounce.current = undefined;
      reload();
    }, options.throttleMs ?? THROTTLE_MS);
  });
  useEffect(() => () => clearTimeout(debounce.current), []);

  useEffect(() => {
    if (!options.pollMs || path === null) return;
    const timer = setInterval(reload, options.pollMs);
    return () => clearInterval(timer);
  }, [options.pollMs, path, reload]);

  return { data, dataPath, error, loading, unavailable: error?.unavailable ?? false, reload };
}
