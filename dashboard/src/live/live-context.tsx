import { createContext, useContext, useEffect, useRef, useSyncExternalStore, type ReactNode } from 'react';
import type { EventStore } from './event-store';
import type { LiveEvent, LiveState } from './types';

/**
 * React access to the one event store of a signed-in session. Pages read the recent
 * events and the connection state, or react to event types (refetching what an event
 * says has changed) — never by polling what the stream carries.
 */
const LiveContext = createContext<EventStore | null>(null);

export function LiveProvider({ store, children }: { store: EventStore; children: ReactNode }) {
  return <LiveContext.Provider value={store}>{children}</LiveContext.Provider>;
}

function useStore(): EventStore {
  const store = useContext(LiveContext);
  if (!store) throw new Error('useLive outside a LiveProvider');
  return store;
}

export function useLive(): LiveState {
  const store = useStore();
  return useSyncExternalStore(store.subscribe, store.getState);
}

/** `prefixes` match event types: `agent.` matches `agent.status`; `*` matches all. */
export function matchesType(type: string, prefixes: readonly string[]): boolean {
  return prefixes.some((p) => p === '*' || type === p || (p.endsWith('.') && type.startsWith(p)));
}

/** Calls `handler` for every arriving event whose type matches one of `prefixes`. */
export function useEventListener(prefixes: readonly string[], handler: (event: LiveEvent) => void): void {
  const store = useStore();
  const ref = useRef(handler);
  ref.current = handler;
  const key = prefixes.join('|');
  useEffect(() => {
    const wanted = key.split('|').filter(Boolean);
    if (wanted.length === 0) return;
    return store.onEvent((e) => {
      if (matchesType(e.type, wanted)) ref.current(e);
    });
  }, [store, key]);
}
