import { useEffect, useRef, useSyncExternalStore } from 'react';
import { navigate } from '../app/router';
import type { AttentionItem } from './attention';

/**
 * Browser notifications for "needs you" items, opt-in per browser: off until the person
 * turns them on (and the browser grants the permission); the choice is kept in this
 * browser's storage. Each item that newly needs a person while a page is open becomes one
 * notification; clicking it opens where to act.
 */
const KEY = 'nox.notifications';
const listeners = new Set<() => void>();

export type NotifyState = 'unsupported' | 'blocked' | 'off' | 'on';

function read(): NotifyState {
  if (typeof Notification === 'undefined') return 'unsupported';
  if (Notification.permission === 'denied') return 'blocked';
  return localStorage.getItem(KEY) === 'on' && Notification.permission === 'granted' ? 'on' : 'off';
}

export function useNotifyState(): NotifyState {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    read,
  );
}

/** Turns them on (asking the browser's permission first) or off; resolves with the new state. */
export async function setNotifications(on: boolean): Promise<NotifyState> {
  if (on && typeof Notification !== 'undefined' && Notification.permission !== 'granted') await Notification.requestPermission();
  if (on) localStorage.setItem(KEY, 'on');
  else localStorage.removeItem(KEY);
  for (const l of listeners) l();
  return read();
}

/** One notification per item that was not in the previous answer (none for what was there at the first load). */
export function useAttentionNotifications(items: readonly AttentionItem[] | undefined): void {
  const present = useRef<Set<string>>(undefined);
  useEffect(() => {
    if (!items) return;
    const before = present.current;
    present.current = new Set(items.map((i) => i.id));
    if (!before || read() !== 'on') return;
    for (const item of items.filter((i) => !before.has(i.id)).slice(0, 5)) {
      const shown = new Notification(`Nox needs you: ${item.title}`, { body: item.reason, tag: item.id });
      shown.onclick = () => {
        window.focus();
        navigate(item.link);
        shown.close();
      };
    }
  }, [items]);
}
