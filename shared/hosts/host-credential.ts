import type { Redis } from 'ioredis';
import type { Keys } from '../keys.js';

/**
 * Host credentials (docs/HOSTS.md, "Joining a host"): what a worker host on another machine
 * starts with besides the Redis URL. An admin mints one (`nox host token`, POST
 * /api/system/host-tokens); the host shows it to the API's host routes to join and to get
 * the token of each agent placed on it. It is not a JWT and opens no other route, and no
 * JWT opens the host routes.
 *
 * Text: `noxh_<id>_<secret>` — the id (16 hex characters) names the credential in lists,
 * logs and the agent tokens minted under it; the secret (256 random bits, hex) is shown once
 * and never stored: the record keeps an HMAC of it under a key only the API derives from its
 * signing key (api/hosts/credential-seal.ts), and a seal over its fields, so a record written
 * into Redis by anyone else verifies nothing.
 *
 * The record (keys.hostCredential(id), a hash; the ids in keys.hostCredentials()) is read by
 * the API, and by the host itself to notice its revocation (workers/host-credential/).
 * A credential is `active` until revoked (kept, marked, until a week past its expiry, or for
 * good) or expired (its record goes a week later). Revocation is cooperative at the Redis level: every host holds
 * the Redis password, so a hostile host must also lose that (rotate it); what the credential
 * guards is the API — agent tokens — and no credential ever carries the key that mints them.
 */
export const HOST_CREDENTIAL_ID_PATTERN = /^[0-9a-f]{16}$/;
const CREDENTIAL_TEXT = /^noxh_([0-9a-f]{16})_([0-9a-f]{64})$/;

export interface HostCredentialParts {
  id: string;
  secret: string;
}

export function formatHostCredential(parts: HostCredentialParts): string {
  return `noxh_${parts.id}_${parts.secret}`;
}

/** The id and secret of a credential's text; undefined for anything else (a JWT included). */
export function parseHostCredential(text: string | undefined): HostCredentialParts | undefined {
  const m = text ? CREDENTIAL_TEXT.exec(text.trim()) : null;
  return m ? { id: m[1] as string, secret: m[2] as string } : undefined;
}

export interface HostCredentialRecord {
  id: string;
  /** the one host id that may use it; unset until the first host joins with it (that host's id is then kept) */
  hostId?: string;
  /** the placement labels the host runs with; unset: the host's own `worker.labels` */
  labels?: Record<string, string>;
  createdAt: string;
  createdBy: string;
  /** ISO; unset: until revoked */
  expiresAt?: string;
  revokedAt?: string;
  revokedBy?: string;
  /** last time a host showed it (join, agent token) */
  lastUsedAt?: string;
  /** HMAC of the secret (api/hosts/credential-seal.ts) */
  secretHash: string;
  /** HMAC over id, hostId, labels, expiresAt and secretHash */
  seal: string;
}

export type HostCredentialState = 'active' | 'revoked' | 'expired';

export function encodeCredential(rec: HostCredentialRecord): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(rec)) {
    if (v === undefined) continue;
    out[k] = k === 'labels' ? JSON.stringify(v) : String(v);
  }
  return out;
}

function decodeCredential(hash: Record<string, string>): HostCredentialRecord | undefined {
  if (!hash.id || !hash.secretHash || !hash.seal || !hash.createdAt) return undefined;
  let labels: Record<string, string> | undefined;
  try {
    labels = hash.labels ? (JSON.parse(hash.labels) as Record<string, string>) : undefined;
  } catch {
    return undefined;
  }
  const opt = (k: string): Record<string, string> => (hash[k] ? { [k]: hash[k] as string } : {});
  return {
    id: hash.id,
    ...opt('hostId'),
    ...(labels ? { labels } : {}),
    createdAt: hash.createdAt,
    createdBy: hash.createdBy ?? '',
    ...opt('expiresAt'),
    ...opt('revokedAt'),
    ...opt('revokedBy'),
    ...opt('lastUsedAt'),
    secretHash: hash.secretHash,
    seal: hash.seal,
  } as HostCredentialRecord;
}

export async function readHostCredential(redis: Redis, keys: Keys, id: string): Promise<HostCredentialRecord | undefined> {
  if (!HOST_CREDENTIAL_ID_PATTERN.test(id)) return undefined;
  return decodeCredential(await redis.hgetall(keys.hostCredential(id)));
}

/** Every credential still held (revoked ones until their expiry), newest first; ids whose record expired leave the set. */
export async function listHostCredentials(redis: Redis, keys: Keys): Promise<HostCredentialRecord[]> {
  const ids = (await redis.smembers(keys.hostCredentials())).filter((id) => HOST_CREDENTIAL_ID_PATTERN.test(id));
  const pipeline = redis.pipeline();
  for (const id of ids) pipeline.hgetall(keys.hostCredential(id));
  const replies = ids.length > 0 ? ((await pipeline.exec()) ?? []) : [];
  const out: HostCredentialRecord[] = [];
  const gone: string[] = [];
  ids.forEach((id, i) => {
    const rec = decodeCredential((replies[i]?.[1] ?? {}) as Record<string, string>);
    if (rec) out.push(rec);
    else gone.push(id);
  });
  if (gone.length > 0) await redis.srem(keys.hostCredentials(), ...gone);
  return out.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id));
}

/** `active`, `revoked`, or `expired` (a record gone counts as expired: records expire a week after their credential). */
export function credentialState(rec: HostCredentialRecord | undefined, now = Date.now()): HostCredentialState {
  if (!rec) return 'expired';
  if (rec.revokedAt) return 'revoked';
  if (rec.expiresAt && Date.parse(rec.expiresAt) <= now) return 'expired';
  return 'active';
}
