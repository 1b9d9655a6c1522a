import { io, type Socket } from 'socket.io-client';
import { ERROR_CODE } from '../../../shared/errors/codes.js';
import type { ConnectionStatus, LiveEvent, LiveState } from './types';

/**
 * The live feed of domain events, fed by the Socket.IO gateway (api/socket/gateway.ts).
 *
 * - The handshake `auth` is a function, so every reconnect sends the id of the last event
 *   seen and the gateway replays what was missed before going live: no gap, no duplicate.
 * - The first connect asks for the last few minutes (stream ids are `<ms>-<seq>`, so a
 *   time is a valid id): rates such as messages per minute are right from the first paint.
 * - The login cookie authenticates the handshake; a refusal for an expired, revoked or
 *   missing token is reported to `onAuthLost` and the store stops (socket.io does not retry
 *   a refusal by middleware); so is `auth-lost`, sent when the gateway ends a live socket
 *   whose token expires or is revoked.
 * - Listeners are notified in batches (at most every BATCH_MS) so a burst of agent
 *   output does not re-render the page once per line.
 */
export const HISTORY_MS = 5 * 60_000;
const MAX_EVENTS = 2000;
const BATCH_MS = 100;

export interface EventStore {
  getState(): LiveState;
  subscribe(listener: () => void): () => void;
  /** called with every event, in order, as it arrives (not batched) */
  onEvent(listener: (event: LiveEvent) => void): () => void;
  close(): void;
}

export interface EventStoreOptions {
  onAuthLost(code: string, message: string): void;
  /** for tests and dev servers; same origin by default */
  url?: string;
}

const AUTH_CODES = new Set<string>([ERROR_CODE.tokenExpired, ERROR_CODE.unauthenticated, ERROR_CODE.invalidToken, ERROR_CODE.tokenRevoked]);

function compareIds(a: string, b: string): number {
  const [am = 0, as = 0] = a.split('-').map(Number);
  const [bm = 0, bs = 0] = b.split('-').map(Number);
  return am - bm || as - bs;
}

export function createEventStore(options: EventStoreOptions): EventStore {
  let lastEventId = `${Date.now() - HISTORY_MS}-0`;
  let state: LiveState = { status: 'connecting', events: [], version: 0 };
  let pending: LiveEvent[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  const listeners = new Set<() => void>();
  const eventListeners = new Set<(e: LiveEvent) => void>();

  const notify = (patch: Partial<LiveState>) => {
    state = { ...state, ...patch, version: state.version + 1 };
    for (const l of listeners) l();
  };

  const flush = () => {
    timer = undefined;
    if (pending.length === 0) return;
    const fresh = pending.reverse();
    pending = [];
    notify({ events: [...fresh, ...state.events].slice(0, MAX_EVENTS) });
  };

  const setStatus = (status: ConnectionStatus) => {
    if (state.status !== status) notify({ status });
  };

  const socket: Socket = io(options.url ?? '/', {
    path: '/socket.io',
    withCredentials: true,
    // WebSocket first: `nox api --workers N` (the default under `nox up`) serves Socket.IO over
    // WebSocket only; long polling stays the fallback for a single API node behind a proxy
    // that blocks WebSocket
    transports: ['websocket', 'polling'],
    tryAllTransports: true,
    // read on every (re)connect: this is what makes catch-up work
    auth: (cb) => cb({ lastEventId, rooms: ['all'] }),
    reconnectionDelay: 500,
    reconnectionDelayMax: 5000,
  });

  socket.on('event', (event: LiveEvent) => {
    if (event.id) {
      if (compareIds(event.id, lastEventId) <= 0) return; // already seen (overlapping replay)
      lastEventId = event.id;
    }
    for (const l of eventListeners) {
      try {
        l(event);
      } catch (err) {
        console.error('event listener failed', err);
      }
    }
    pending.push(event);
    timer ??= setTimeout(flush, BATCH_MS);
  });
  let everReady = false;
  socket.on('ready', () => {
    everReady = true;
    setStatus('live');
  });
  socket.on('replay-truncated', (info: { oldest?: string }) => {
    // the first connect asks for more history than the stream may hold: nothing was missed
    if (!everReady) return;
    notify({ notice: `Some events were missed while disconnected (the stream now starts at ${info.oldest ?? 'a later point'}).` });
  });
  socket.on('replay-failed', () => notify({ notice: 'Could not replay the events missed while disconnected; the views are live again from now.' }));
  socket.on('disconnect', () => setStatus(socket.active ? 'reconnecting' : 'offline'));
  socket.io.on('reconnect_attempt', () => setStatus('reconnecting'));
  // the gateway ends a live socket whose token expires or is revoked (api/socket/socket-sessions.ts)
  socket.on('auth-lost', (info: { code?: string; message?: string }) => {
    setStatus('offline');
    options.onAuthLost(info.code ?? ERROR_CODE.unauthenticated, info.message ?? 'signed out');
  });
  socket.on('connect_error', (err: Error & { data?: { code?: string } }) => {
    const code = err.data?.code;
    if (code && AUTH_CODES.has(code)) {
      setStatus('offline');
      options.onAuthLost(code, err.message);
      return;
    }
    setStatus(socket.active ? 'reconnecting' : 'offline');
  });

  return {
    getState: () => state,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onEvent(listener) {
      eventListeners.add(listener);
      return () => eventListeners.delete(listener);
    },
    close() {
      if (timer) clearTimeout(timer);
      listeners.clear();
      eventListeners.clear();
      socket.removeAllListeners();
      socket.close();
    },
  };
}
