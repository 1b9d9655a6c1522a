import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Password hashes for the secrets file: `scrypt$N$r$p$<salt b64>$<hash b64>`.
 * The parameters travel with the hash so they can be raised without breaking existing
 * users: a hash made with other parameters still verifies, and `needsRehash` tells the
 * login to replace it (api/routes/auth-routes.ts).
 *
 * Cost: OWASP's Password Storage Cheat Sheet (2024) — N = 2^17, r = 8, p = 1. That is
 * 128 MiB of memory per hash (128 · N · r bytes) and about a second of CPU on a small core;
 * Node runs it on the libuv pool (4 threads by default), so at most 4 hashes — 512 MiB —
 * are in flight at once, and the per-IP login limit and the account lockout bound how
 * often anyone can ask. Earlier versions used N = 2^14.
 */
const N = 2 ** 17;
const R = 8;
const P = 1;
const KEYLEN = 32;
/** what a stored hash may ask for, at most (2^20 · 8 → 1 GiB): a bound, not a setting */
const MAX_MEMORY = 1024 * 1024 * 1024;

function scrypt(password: string, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCb(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/**
 * Node refuses scrypt above `maxmem` (32 MiB by default, below what N = 2^17 needs). What
 * OpenSSL needs is 128·r·(N + 2) for V plus 128·r·p for B; a MiB on top for slack.
 */
function maxmemFor(n: number, r: number, p: number): number {
  return 128 * r * (n + 2 + p) + 1024 * 1024;
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(password, salt, KEYLEN, { N, r: R, p: P, maxmem: maxmemFor(N, R, P) });
  return ['scrypt', N, R, P, salt.toString('base64'), hash.toString('base64')].join('$');
}

interface Parsed {
  n: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

function parse(stored: string): Parsed | undefined {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [n, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const hash = Buffer.from(parts[5] as string, 'base64');
  if (![n, r, p].every((v) => Number.isSafeInteger(v) && v > 0) || hash.length === 0) return undefined;
  if (maxmemFor(n, r, p) > MAX_MEMORY) return undefined;
  return { n, r, p, salt: Buffer.from(parts[4] as string, 'base64'), hash };
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parse(stored);
  if (!parsed) return false;
  const { n, r, p, salt, hash } = parsed;
  try {
    const actual = await scrypt(password, salt, hash.length, { N: n, r, p, maxmem: maxmemFor(n, r, p) });
    return timingSafeEqual(actual, hash);
  } catch {
    return false; // parameters scrypt refuses (N not a power of two...): a hash nobody can match
  }
}

/** true when `stored` was made with other parameters than hashPassword uses now */
export function needsRehash(stored: string): boolean {
  const parsed = parse(stored);
  return !parsed || parsed.n !== N || parsed.r !== R || parsed.p !== P || parsed.hash.length !== KEYLEN;
}

/** A password for generated accounts: 24 url-safe characters. */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}
