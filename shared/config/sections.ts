import { z } from 'zod';
import { ROLES } from '../types.js';

/**
 * The sections of system-config.toml that the foundation owns. Every field documents its
 * default next to it; `docs/CONFIGURATION.md` lists them with their environment overrides.
 */

const port = z.number().int().min(0).max(65535);
const positiveMs = z.number().int().positive();

export const redisSection = z
  .object({
    /** Redis to use. Default: unset — `nox up` probes 127.0.0.1:6379 and otherwise starts its own. */
    url: z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://').optional(),
    /**
     * Prefix of every key and queue. Default `{nox}`: the braces are a Redis Cluster hash
     * tag, so every key lands in one slot (BullMQ's Lua scripts need that).
     */
    prefix: z
      .string()
      .regex(/^\{[A-Za-z0-9_.-]{1,40}\}$/, 'must be a hash tag such as {nox}')
      .default('{nox}'),
  })
  .strict();

export const apiSection = z
  .object({
    /** Interface to listen on. Default `0.0.0.0`. */
    host: z.string().min(1).default('0.0.0.0'),
    /** Port. Default 3000; 0 picks a free port (tests). */
    port: port.default(3000),
    /** Largest JSON body accepted; larger gets 413. Default `256kb`. */
    body_limit: z.string().regex(/^\d+(b|kb|mb)$/, 'must look like 256kb or 1mb').default('256kb'),
    /** Express `trust proxy` hops (for rate limiting behind a load balancer). Default 0. */
    trust_proxy: z.number().int().min(0).max(10).default(0),
    /** How long POST /api/system/ping waits for its event. Default 5000 ms. */
    ping_timeout_ms: positiveMs.default(5000),
  })
  .strict();

const user = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9_.@-]{1,64}$/, 'letters, digits and _.@- only'),
    role: z.enum(ROLES as [string, ...string[]]).refine((r) => r !== 'agent', 'a user cannot have the agent role'),
    /** `scrypt$N$r$p$<salt b64>$<hash b64>`, made by `nox user passwd` / `hashPassword()`. */
    password_hash: z.string().startsWith('scrypt$', 'must be a scrypt hash (scrypt$...)'),
  })
  .strict();

export const authSection = z
  .object({
    /** HMAC secret for JWTs (HS256). Required: `nox up` generates one on first run. */
    jwt_secret: z.string().min(32, 'must be at least 32 characters').optional(),
    /** Lifetime of a login token. Default `12h`. */
    token_ttl: z.string().regex(/^\d+[smhd]$/, 'must look like 30m, 12h or 7d').default('12h'),
    /** People who can log in. Default: none (mint tokens with `nox token`). */
    users: z.array(user).default([]),
  })
  .strict();

export const rateLimitSection = z
  .object({
    /** Window of every limit. Default 60000 ms. */
    window_ms: positiveMs.default(60_000),
    /** Requests per window per user (or IP when anonymous). Default 1200. */
    max: z.number().int().positive().default(1200),
    /** Login attempts per window per IP. Default 10. */
    login_max: z.number().int().positive().default(10),
  })
  .strict();

export const workerSection = z
  .object({
    /** Host id. Default: derived from the hostname and pid. */
    host_id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must match ^[a-z0-9][a-z0-9-]{0,62}$').optional(),
    /** How many agents this host runs at most. Default 10. */
    capacity: z.number().int().min(0).max(10_000).default(10),
    /** Placement labels, e.g. `{ gpu = "no", zone = "a" }`. Default none. */
    labels: z.record(z.string().regex(/^[a-z0-9_.-]{1,63}$/), z.string().max(63)).default({}),
    /** Heartbeat period. Default 2000 ms. */
    heartbeat_interval_ms: positiveMs.default(2000),
    /** A host whose heartbeat is older than this is dead. Default 10000 ms. */
    heartbeat_ttl_ms: positiveMs.default(10_000),
    /** SIGTERM to exit: active jobs get this long, then are handed back to the queue. Default 10000 ms. */
    shutdown_timeout_ms: positiveMs.default(10_000),
    /** Jobs one host works on at once per shared queue. Default 8. */
    concurrency: z.number().int().min(1).max(1000).default(8),
  })
  .strict()
  .refine((w) => w.heartbeat_ttl_ms > w.heartbeat_interval_ms, {
    message: 'heartbeat_ttl_ms must be greater than heartbeat_interval_ms',
    path: ['heartbeat_ttl_ms'],
  });

export const eventsSection = z
  .object({
    /** Approximate length the event stream is trimmed to. Default 10000. */
    stream_max_len: z.number().int().min(100).default(10_000),
  })
  .strict();

export const logSection = z
  .object({
    /** winston level. Default `info`. `silent` turns logging off. */
    level: z.enum(['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly', 'silent']).default('info'),
  })
  .strict();

export const queuesSection = z
  .object({
    /** Completed jobs kept per queue (count). Default 1000. */
    keep_completed: z.number().int().min(0).default(1000),
    /** Failed jobs kept per queue (count). Default 5000. */
    keep_failed: z.number().int().min(0).default(5000),
    /** Attempts for a retryable job. Default 3. */
    attempts: z.number().int().min(1).max(100).default(3),
  })
  .strict();
