import type { Socket } from 'socket.io';
import type { VerifiedToken } from '../../shared/auth/tokens.js';
import { ERROR_CODE } from '../../shared/errors/codes.js';

/**
 * A socket lives no longer than the token it was opened with. The handshake checks the
 * token once (socket-auth.ts); after that each socket is held here with
 * - a timer that ends it when the token expires, and
 * - an index by `jti` and by agent, so a revocation (an `auth.*` event on the stream, which
 *   every API node tails: shared/auth/revocation.ts) ends exactly the sockets it concerns.
 * Ending a socket first sends it `auth-lost` `{code, message}` (the dashboard goes back to
 * the login page), then disconnects it; socket.io clients do not reconnect after a server
 * disconnect.
 */
export const AUTH_LOST_EVENT = 'auth-lost';

/** setTimeout's longest delay; a later expiry is reached in several steps */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface SocketSessions {
  track(socket: Socket, token: VerifiedToken): void;
  /** ends the sockets opened with this token */
  tokenRevoked(jti: string): void;
  /** ends the agent's sockets whose token was minted below `epoch` */
  agentTokensRevoked(agentId: string, epoch: number): void;
  readonly size: number;
  close(): void;
}

interface Held {
  socket: Socket;
  token: VerifiedToken;
  timer?: NodeJS.Timeout;
}

export function createSocketSessions(): SocketSessions {
  const byJti = new Map<string, Set<Held>>();
  const byAgent = new Map<string, Set<Held>>();
  const all = new Set<Held>();

  const index = (map: Map<string, Set<Held>>, key: string, held: Held): void => {
    let set = map.get(key);
    if (!set) map.set(key, (set = new Set()));
    set.add(held);
  };
  const unindex = (map: Map<string, Set<Held>>, key: string, held: Held): void => {
    const set = map.get(key);
    set?.delete(held);
    if (set?.size === 0) map.delete(key);
  };
  const forget = (held: Held): void => {
    clearTimeout(held.timer);
    all.delete(held);
    unindex(byJti, held.token.jti, held);
    if (held.token.principal.agentId) unindex(byAgent, held.token.principal.agentId, held);
  };
  const end = (held: Held, code: string, message: string): void => {
    forget(held);
    held.socket.emit(AUTH_LOST_EVENT, { code, message });
    held.socket.disconnect(true);
  };
  const arm = (held: Held): void => {
    const left = held.token.exp * 1000 - Date.now();
    if (left <= 0) return end(held, ERROR_CODE.tokenExpired, 'The token has expired; log in again');
    held.timer = setTimeout(() => arm(held), Math.min(left, MAX_TIMER_MS));
    held.timer.unref();
  };

  return {
    track(socket, token) {
      const held: Held = { socket, token };
      all.add(held);
      index(byJti, token.jti, held);
      if (token.principal.agentId) index(byAgent, token.principal.agentId, held);
      socket.once('disconnect', () => forget(held));
      arm(held);
    },
    tokenRevoked(jti) {
      for (const held of [...(byJti.get(jti) ?? [])]) end(held, ERROR_CODE.tokenRevoked, 'The token was revoked');
    },
    agentTokensRevoked(agentId, epoch) {
      for (const held of [...(byAgent.get(agentId) ?? [])]) {
        if (held.token.epoch < epoch) end(held, ERROR_CODE.tokenRevoked, 'The agent’s tokens were revoked');
      }
    },
    get size() {
      return all.size;
    },
    close() {
      for (const held of [...all]) forget(held);
    },
  };
}
