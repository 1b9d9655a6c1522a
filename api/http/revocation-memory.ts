import type { Redis } from 'ioredis';
import { AUTH_EVENT, type AgentTokensRevokedData, type TokenRevokedData } from '../../shared/auth/revocation.js';
import type { VerifiedToken } from '../../shared/auth/tokens.js';
import type { StreamTailer } from '../../shared/events/stream-tailer.js';
import type { Keys } from '../../shared/keys.js';
import { redisScript } from '../../shared/redis-script.js';
import type { DomainEvent } from '../../shared/types.js';

/**
 * Whether a verified token is revoked, answered from memory per API node.
 *
 * A token's verdict is read from Redis (one Lua call: its `jti` logged out, or, for an agent,
 * minted below the agent's current token epoch (shared/auth/revocation.ts), or minted for a
 * host whose credential is revoked or gone (`hc`, docs/HOSTS.md)) and used for at most
 * RECHECK_MS from the moment that read was *sent*; past half of it the next request reads it
 * again in the background, so a busy token never waits. Concurrent reads of one token share
 * one call.
 *
 * The bound (docs/PERFORMANCE.md): a revoked token is refused on every node by any request
 * that reaches it RECHECK_MS after the revocation was written to Redis, whatever the event stream
 * does. In practice sooner: the `auth.*` events each node already tails mark the token (or
 * the agent's epoch) revoked in memory as they arrive, normally within milliseconds. A
 * revoked verdict is kept until the token expires (a revocation is never undone).
 */
export const RECHECK_MS = 1000;

const REVOKED = redisScript(`
local revoked = redis.call('EXISTS', KEYS[1])
if revoked == 0 and ARGV[1] ~= '' then
  local epoch = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
  if epoch > tonumber(ARGV[2]) then revoked = 1 end
end
if revoked == 0 and ARGV[3] == '1' then
  if redis.call('EXISTS', KEYS[3]) == 0 or redis.call('HEXISTS', KEYS[3], 'revokedAt') == 1 then revoked = 1 end
end
return revoked
`);

interface Verdict {
  revoked: boolean;
  /** when the read behind it was sent */
  readAt: number;
  exp: number;
  reading?: Promise<boolean>;
}

const MAX_VERDICTS = 10_000;

export interface RevocationMemory {
  /** true when `verified` is revoked (within the bound above) */
  isRevoked(verified: VerifiedToken): Promise<boolean>;
  /** stops following the event stream */
  close(): void;
}

export function createRevocationMemory(redis: Redis, keys: Keys, tailer?: StreamTailer, now: () => number = Date.now): RevocationMemory {
  const verdicts = new Map<string, Verdict>();
  /** agent id → the lowest epoch a live token of it may carry, as the events said */
  const epochFloors = new Map<string, number>();

  const offEvents = tailer?.onEvent(
    (event) => {
      if (event.type === AUTH_EVENT.tokenRevoked) {
        const { jti } = (event as DomainEvent<TokenRevokedData>).data;
        const v = verdicts.get(jti);
        if (v) v.revoked = true;
      } else if (event.type === AUTH_EVENT.agentTokensRevoked && event.agentId) {
        const { epoch } = (event as DomainEvent<AgentTokensRevokedData>).data;
        if (epoch > (epochFloors.get(event.agentId) ?? 0)) epochFloors.set(event.agentId, epoch);
      }
    },
    (type) => type === AUTH_EVENT.tokenRevoked || type === AUTH_EVENT.agentTokensRevoked,
  );

  const read = (verified: VerifiedToken, v: Verdict): Promise<boolean> => {
    v.reading ??= (async () => {
      const sentAt = now();
      const { jti, principal, epoch, hostCredential } = verified;
      const revokedJti = keys.revokedToken(jti);
      try {
        const revoked = (await REVOKED(redis, [revokedJti, keys.agentTokenEpochs(), hostCredential ? keys.hostCredential(hostCredential) : revokedJti], [principal.agentId ?? '', epoch, hostCredential ? '1' : ''])) === 1;
        // an event may have marked it revoked meanwhile: never undone
        v.revoked ||= revoked;
        v.readAt = sentAt;
        return v.revoked;
      } finally {
        v.reading = undefined;
      }
    })();
    return v.reading;
  };

  const forgetExpired = (): void => {
    const t = now();
    for (const [jti, v] of verdicts) if (v.exp * 1000 <= t) verdicts.delete(jti);
    if (verdicts.size >= MAX_VERDICTS) verdicts.clear();
  };

  return {
    async isRevoked(verified) {
      const { principal, epoch, jti } = verified;
      if (principal.agentId && epoch < (epochFloors.get(principal.agentId) ?? 0)) return true;
      let v = verdicts.get(jti);
      if (!v) {
        if (verdicts.size >= MAX_VERDICTS) forgetExpired();
        v = { revoked: false, readAt: -Infinity, exp: verified.exp };
        verdicts.set(jti, v);
      }
      if (v.revoked) return true;
      const arrived = now();
      const age = arrived - v.readAt;
      if (age >= RECHECK_MS) {
        // a read already under way may have been sent too long before this request: then one more
        if ((await read(verified, v)) || v.readAt >= arrived - RECHECK_MS) return v.revoked;
        return read(verified, v);
      }
      if (age >= RECHECK_MS / 2) void read(verified, v).catch(() => undefined);
      return false;
    },
    close() {
      offEvents?.();
    },
  };
}
