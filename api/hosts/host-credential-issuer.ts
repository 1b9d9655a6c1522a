import { randomBytes } from 'node:crypto';
import { noteLocalRevocation, revokeAgentTokens } from '../../shared/auth/revocation.js';
import { ownerOf } from '../../shared/agents/runtime-state.js';
import { ERROR_CODE } from '../../shared/errors/codes.js';
import { HostCredentialBoundError, HostCredentialError } from '../../shared/errors/host-credential-errors.js';
import { NotFoundError } from '../../shared/errors/not-found-error.js';
import {
  credentialState,
  encodeCredential,
  formatHostCredential,
  listHostCredentials,
  parseHostCredential,
  readHostCredential,
  type HostCredentialRecord,
} from '../../shared/hosts/host-credential.js';
import { HOST_EVENT } from '../../shared/hosts/host-events.js';
import { redisScript } from '../../shared/redis-script.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import { sameSecret } from '../../shared/auth/constant-time.js';
import { sealKey, sealOf, secretHash } from './credential-seal.js';

/**
 * Mints, lists, revokes and checks host credentials (shared/hosts/host-credential.ts) —
 * the API's side only: it alone holds the seal key.
 */
export interface MintRequest {
  hostId?: string;
  labels?: Record<string, string>;
  /** `30m`, `12h`, `90d`; none: until revoked */
  ttl?: string;
  by: string;
}

export interface HostCredentialIssuer {
  /** a new credential: its text (shown once) and its record */
  mint(request: MintRequest): Promise<{ credential: string; record: HostCredentialRecord }>;
  list(): Promise<HostCredentialRecord[]>;
  /** marks it revoked (kept until its expiry), ends its host's agent tokens; `changed` false when it was already */
  revoke(id: string, by: string): Promise<{ record: HostCredentialRecord; changed: boolean }>;
  /** the record of a presented credential that verifies and is active; throws HostCredentialError (401) otherwise */
  authenticate(text: string | undefined): Promise<HostCredentialRecord>;
  /** binds an unbound credential to `hostId` (the first host to join keeps it); throws HostCredentialBoundError for another id */
  bind(record: HostCredentialRecord, hostId: string): Promise<HostCredentialRecord>;
}

/** how long an expired credential's record stays (listed as `expired`, answered with its own code) */
const KEPT_AFTER_EXPIRY_MS = 7 * 86_400_000;

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
export const TTL_PATTERN = /^(\d{1,9})([smhd])$/;

export function ttlMs(ttl: string): number {
  const m = TTL_PATTERN.exec(ttl);
  if (!m) throw new Error(`ttl must look like 30m, 12h or 90d: ${ttl}`);
  return Number(m[1]) * (UNITS[m[2] as string] as number);
}

/** First host to join takes an unbound credential: set only while unset, with its new seal. */
const BIND = redisScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('HEXISTS', KEYS[1], 'hostId') == 1 then return 0 end
redis.call('HSET', KEYS[1], 'hostId', ARGV[1], 'seal', ARGV[2])
return 1
`);

/** The host's registration shows the revocation at once, if it has one (never creates the hash). */
const MARK_HOST = redisScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'credentialRevokedAt', ARGV[1])
return 1
`);

export function createHostCredentialIssuer(ctx: NoxContext, signingSecret: string): HostCredentialIssuer {
  const { redis, keys } = ctx;
  const key = sealKey(signingSecret);
  const invalid = (why: string): HostCredentialError => new HostCredentialError(ERROR_CODE.hostCredentialInvalid, why);

  /** every agent the host owns now loses its tokens (and their open sockets): minted for a revoked host */
  const revokeHostAgents = async (hostId: string, credentialId: string): Promise<void> => {
    const ids = await redis.smembers(keys.hostAgents(hostId));
    for (const agentId of ids) {
      if ((await ownerOf(redis, keys, agentId)) === hostId) await revokeAgentTokens(ctx, agentId, `host credential ${credentialId} revoked`);
    }
  };

  return {
    async mint(request) {
      const id = randomBytes(8).toString('hex');
      const secret = randomBytes(32).toString('hex');
      const expiresAt = request.ttl ? new Date(Date.now() + ttlMs(request.ttl)).toISOString() : undefined;
      const hash = secretHash(key, id, secret);
      const sealed = { id, hostId: request.hostId, labels: request.labels, expiresAt, secretHash: hash };
      const record: HostCredentialRecord = { ...sealed, createdAt: new Date().toISOString(), createdBy: request.by, seal: sealOf(key, sealed) };
      const tx = redis.multi().hset(keys.hostCredential(id), encodeCredential(record)).sadd(keys.hostCredentials(), id);
      // kept a while past its expiry, so a host showing it hears "expired", not "unknown"
      if (expiresAt) tx.pexpireat(keys.hostCredential(id), Date.parse(expiresAt) + KEPT_AFTER_EXPIRY_MS);
      await tx.exec();
      return { credential: formatHostCredential({ id, secret }), record };
    },

    list: () => listHostCredentials(redis, keys),

    async revoke(id, by) {
      const record = await readHostCredential(redis, keys, id);
      if (!record) throw new NotFoundError(`No host credential "${id}" (never minted, or expired)`, ERROR_CODE.hostCredentialNotFound);
      if (record.revokedAt) return { record, changed: false };
      const revokedAt = new Date().toISOString();
      await redis.hset(keys.hostCredential(id), { revokedAt, revokedBy: by });
      noteLocalRevocation(ctx, { hostCredential: id });
      if (record.hostId) {
        await MARK_HOST(redis, [keys.host(record.hostId)], [revokedAt]);
        await revokeHostAgents(record.hostId, id);
      }
      await ctx.events.publish({ type: HOST_EVENT.credentialRevoked, ...(record.hostId ? { hostId: record.hostId } : {}), data: { credentialId: id, by } });
      return { record: { ...record, revokedAt, revokedBy: by }, changed: true };
    },

    async authenticate(text) {
      if (!text) throw invalid('No host credential: send Authorization: Bearer noxh_… (as `nox host token` printed it)');
      const parts = parseHostCredential(text);
      if (!parts) throw invalid('Not a host credential: a host route takes only the credential `nox host token` printed (noxh_…)');
      const record = await readHostCredential(redis, keys, parts.id);
      if (!record) throw invalid(`Unknown host credential ${parts.id} (never minted, or expired)`);
      // both compared in constant time: the secret, and the record's own seal (a record not written by an API is void)
      if (!sameSecret(secretHash(key, parts.id, parts.secret), record.secretHash) || !sameSecret(sealOf(key, record), record.seal)) {
        throw invalid(`Host credential ${parts.id} does not verify`);
      }
      const state = credentialState(record);
      if (state === 'revoked') throw new HostCredentialError(ERROR_CODE.hostCredentialRevoked, `Host credential ${parts.id} was revoked at ${record.revokedAt} by ${record.revokedBy ?? '?'}`);
      if (state === 'expired') throw new HostCredentialError(ERROR_CODE.hostCredentialExpired, `Host credential ${parts.id} expired at ${record.expiresAt}`);
      const lastUsedAt = new Date().toISOString();
      await redis.hset(keys.hostCredential(parts.id), 'lastUsedAt', lastUsedAt);
      return { ...record, lastUsedAt };
    },

    async bind(record, hostId) {
      if (record.hostId === hostId) return record;
      if (record.hostId) throw new HostCredentialBoundError(record.id, record.hostId, hostId);
      const bound = { ...record, hostId };
      const took = await BIND(redis, [keys.hostCredential(record.id)], [hostId, sealOf(key, bound)]);
      if (took === 1) return { ...bound, seal: sealOf(key, bound) };
      // another host joined first: the credential is theirs (or it is gone)
      const now = await readHostCredential(redis, keys, record.id);
      if (now?.hostId === hostId) return now;
      throw now?.hostId ? new HostCredentialBoundError(record.id, now.hostId, hostId) : invalid(`Unknown host credential ${record.id} (never minted, or expired)`);
    },
  };
}
