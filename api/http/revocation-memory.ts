import { AUTH_EVENT, onLocalRevocation, type AgentTokensRevokedData, type LocalRevocation, type TokenRevokedData } from '../../shared/auth/revocation.js';
import type { VerifiedToken } from '../../shared/auth/tokens.js';
import type { StreamTailer } from '../../shared/events/stream-tailer.js';
import { HOST_EVENT } from '../../shared/hosts/host-events.js';
import type { NoxContext } from '../../shared/runtime/context.js';
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
 * does. In practice sooner: the `auth.*` and `host.credential-revoked` events each node
 * already tails mark the token (or the agent's epoch, or the host credential's tokens)
 * revoked in memory as they arrive, normally within milliseconds; and the node whose process
 * made the revocation (a logout, a stop, a credential revoked through it) knows at once
 * (noteLocalRevocation). A revoked verdict is kept until the token expires (a revocation is
 * never undone).
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
  /** the host credential the token was minted for */
  hostCredential?: string;
  reading?: Promise<boolean>;
}

const MAX_VERDICTS = 10_000;

export interface RevocationMemory {
  /** true when `verified` is revoked (within the bound above) */
  isRevoked(verified: VerifiedToken): Promise<boolean>;
  /** stops following the event stream */
  close(): void;
}

export function createRevocationMemory(ctx: NoxContext, tailer?: StreamTailer, now: () => number = Date.now): RevocationMemory {
  const { redis, keys } = ctx;
  const verdicts = new Map<string, Verdict>();
  /** agent id → the lowest epoch a live token of it may carry, as the events said */
  const epochFloors = new Map<string, number>();

  const revoked = (r: LocalRevocation): void => {
    if ('jti' in r) {
      const v = verdicts.get(r.jti);
      if (v) v.revoked = true;
    } else if ('agentId' in r) {
      if (r.epoch > (epochFloors.get(r.agentId) ?? 0)) epochFloors.set(r.agentId, r.epoch);
    } else {
      for (const v of verdicts.values()) if (v.hostCredential === r.hostCredential) v.revoked = true;
    }
  };
  const offLocal = onLocalRevocation(ctx, revoked);
  const offEvents = tailer?.onEvent(
    (event) => {
      if (event.type === AUTH_EVENT.tokenRevoked) revoked({ jti: (event as DomainEvent<TokenRevokedData>).data.jti });
      else if (event.type === AUTH_EVENT.agentTokensRevoked && event.agentId) revoked({ agentId: event.agentId, epoch: (event as DomainEvent<AgentTokensRevokedData>).data.epoch });
      else if (event.type === HOST_EVENT.credentialRevoked) revoked({ hostCredential: (event as DomainEvent<{ credentialId: string }>).data.credentialId });
    },
    (type) => type === AUTH_EVENT.tokenRevoked || type === AUTH_EVENT.agentTokensRevoked || type === HOST_EVENT.credentialRevoked,
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
        v = { revoked: false, readAt: -Infinity, exp: verified.exp, ...(verified.hostCredential ? { hostCredential: verified.hostCredential } : {}) };
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
      offLocal();
    },
  };
}
