import { createHmac, type KeyObject } from 'node:crypto';
import { hmacKey } from '../../shared/auth/tokens.js';
import type { HostCredentialRecord } from '../../shared/hosts/host-credential.js';

/**
 * The API's seal on host credential records (shared/hosts/host-credential.ts). Its key is
 * derived from the JWT signing key for this one purpose, so it needs no secret of its own,
 * nothing but an API process can make or check a record, and rotating the signing key
 * voids every host credential along with every token.
 *
 * - `secretHash` = HMAC(key, id "." secret): the secret is 256 random bits, so an HMAC is
 *   enough (no slow hash); without the key, the hash says nothing about the secret.
 * - `seal` = HMAC(key, the fields a host could gain by changing: id, host, labels, expiry,
 *   secretHash). Revocation marks are not sealed: clearing one needs Redis access, which a
 *   revoked host must lose too (docs/HOSTS.md).
 */
const PURPOSE = 'nox host credentials v1';

export type SealKey = KeyObject;

export function sealKey(signingSecret: string): SealKey {
  return hmacKey(createHmac('sha256', hmacKey(signingSecret)).update(PURPOSE).digest('base64url'));
}

const mac = (key: SealKey, text: string): string => createHmac('sha256', key).update(text).digest('base64url');

export function secretHash(key: SealKey, id: string, secret: string): string {
  return mac(key, `${id}.${secret}`);
}

type Sealed = Pick<HostCredentialRecord, 'id' | 'hostId' | 'labels' | 'expiresAt' | 'secretHash'>;

export function sealOf(key: SealKey, rec: Sealed): string {
  const labels = Object.entries(rec.labels ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return mac(key, JSON.stringify([rec.id, rec.hostId ?? '', rec.labels ? labels : null, rec.expiresAt ?? '', rec.secretHash]));
}
