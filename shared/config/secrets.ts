import { chmodSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { parse as parseToml, stringify, TomlError } from 'smol-toml';
import { z } from 'zod';
import { ConfigError } from '../errors/config-error.js';

/**
 * The secrets file: everything that would let its reader act as someone else — the JWT
 * signing key, password hashes, the approvals webhook URL (a Slack-style hook URL is a
 * bearer credential), MCP service secret values, the Redis password. It lives OUTSIDE the
 * registry's git tree (docs/CONFIGURATION.md, "Secrets"), so nothing that serves or pushes
 * registry history can carry it:
 *
 *   <registry's parent>/.nox-secrets/secrets.toml   (or NOX_SECRETS_FILE)
 *
 * The folder is 0700 and holds a `.gitignore` of `*`, so an enclosing git repository never
 * picks it up; the file is 0600 and every write keeps it so (temp file + rename + chmod).
 * The environment overrides any value (NOX_JWT_SECRET, NOX_REDIS_PASSWORD, NOX_SECRET_<NAME>).
 */
export const SECRETS_FILE_ENV = 'NOX_SECRETS_FILE';

const secretName = z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, 'must be a secret name (a-z, 0-9, _.-)');

export const secretsFileSchema = z
  .object({
    auth: z
      .object({
        /** HMAC key of every JWT (HS256). */
        jwt_secret: z.string().min(32, 'must be at least 32 characters').optional(),
        /** user name → `scrypt$N$r$p$salt$hash`; the user's name and role stay in system-config.toml. */
        password_hashes: z.record(z.string(), z.string().startsWith('scrypt$', 'must be a scrypt hash (scrypt$...)')).default({}),
      })
      .strict()
      .default({ password_hashes: {} }),
    approvals: z
      .object({
        /** the incoming-webhook URL that gets "needs you" posts */
        webhook_url: z.string().url().optional(),
      })
      .strict()
      .default({}),
    redis: z
      .object({
        /** the password of the Redis Nox is pointed at (redis.url / REDIS_URL), when the URL carries none */
        password: z.string().min(1).optional(),
        /** the password of the redis-server `nox up` starts for itself (generated on its first start) */
        local_password: z.string().min(16).optional(),
      })
      .strict()
      .default({}),
    worker: z
      .object({
        /** the host credential this worker host joins with (`nox host token`; docs/HOSTS.md) */
        host_token: z.string().min(1).optional(),
      })
      .strict()
      .default({}),
    metrics: z
      .object({
        /** the bearer token a Prometheus outside `metrics.allow` scrapes with (docs/OBSERVABILITY.md) */
        scrape_token: z.string().min(16).optional(),
      })
      .strict()
      .default({}),
    mcp: z
      .object({
        /** values of the secrets MCP services name (`{ secret = "github-token" }`) */
        secrets: z.record(secretName, z.string()).default({}),
      })
      .strict()
      .default({ secrets: {} }),
  })
  .strict();

export type SecretsFile = z.output<typeof secretsFileSchema>;

/**
 * Paths in system-config.toml that hold a secret: refused there (loadConfig), moved out on
 * start (bin/secrets-migration.ts), redacted from every history view.
 * `auth.users[].password_hash` stands for the field in every user entry.
 */
export const SECRET_CONFIG_PATHS = ['auth.jwt_secret', 'auth.users[].password_hash', 'approvals.webhook_url', 'redis.password', 'mcp.secrets', 'metrics.scrape_token', 'worker.host_token'] as const;

/** `<dir of the registry>/.nox-secrets/secrets.toml` unless NOX_SECRETS_FILE names another. */
export function resolveSecretsFile(registryDir: string, env: NodeJS.ProcessEnv = process.env, explicit?: string): string {
  const chosen = explicit ?? env[SECRETS_FILE_ENV];
  return path.resolve(chosen && chosen.length > 0 ? chosen : path.join(path.dirname(registryDir), '.nox-secrets', 'secrets.toml'));
}

export function emptySecrets(): SecretsFile {
  return secretsFileSchema.parse({});
}

/** Reads and validates the secrets file; a missing file is an empty one. Throws ConfigError. */
export function readSecretsFile(file: string): SecretsFile {
  if (!existsSync(file)) return emptySecrets();
  let raw: unknown;
  try {
    raw = parseToml(readFileSync(file, 'utf8'));
  } catch (err) {
    const where = err instanceof TomlError ? ` (line ${err.line}, column ${err.column})` : '';
    throw new ConfigError(`config: the secrets file ${file}${where} is not valid TOML: ${(err as Error).message.split('\n')[0]}`);
  }
  const parsed = secretsFileSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.code === 'unrecognized_keys' ? `unknown key(s) ${i.keys.join(', ')}` : i.message}`);
    throw new ConfigError(`config: the secrets file ${file} is invalid\n${lines.join('\n')}`);
  }
  return parsed.data;
}

const HEADER = `# Nox secrets: the JWT signing key, password hashes, webhook and MCP secrets, the Redis password.
# Never commit, copy into the registry, or hand this file to an agent. Mode 0600.
# Fields: docs/CONFIGURATION.md ("Secrets").`;

/**
 * Changes the secrets file: reads it, applies `mutate`, validates, writes atomically with
 * mode 0600 in a 0700 folder whose `.gitignore` ignores everything. Returns the new content.
 */
export function updateSecretsFile(file: string, mutate: (current: SecretsFile) => void): SecretsFile {
  const next = readSecretsFile(file);
  mutate(next);
  const checked = secretsFileSchema.parse(next);
  const dir = path.dirname(file);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const ignore = path.join(dir, '.gitignore');
  if (!existsSync(ignore)) writeAtomic(ignore, '# Nox secrets: never committed\n*\n', 0o644);
  writeAtomic(file, `${HEADER}\n\n${stringify(prune(checked))}\n`, 0o600);
  return checked;
}

/** Mode bits of the file, for `nox doctor` and tests (undefined when absent). */
export function secretsFileMode(file: string): number | undefined {
  try {
    return statSync(file).mode & 0o777;
  } catch {
    return undefined;
  }
}

function writeAtomic(file: string, text: string, mode: number): void {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  const fd = openSync(tmp, 'wx', mode);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  chmodSync(tmp, mode); // the umask may have taken bits away; never added any
  renameSync(tmp, file);
}

/** Empty tables are left out of the file so it stays short. */
function prune(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue;
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const inner = prune(v as Record<string, unknown>);
      if (Object.keys(inner).length > 0) out[k] = inner;
    } else {
      out[k] = v;
    }
  }
  return out;
}

/** The secret fields present in a parsed system-config.toml, as dotted paths naming the user. */
export function secretFieldsIn(raw: Record<string, unknown>): string[] {
  const found: string[] = [];
  const table = (v: unknown): Record<string, unknown> | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);
  const auth = table(raw.auth);
  if (auth?.jwt_secret !== undefined) found.push('auth.jwt_secret');
  if (Array.isArray(auth?.users)) {
    for (const u of auth.users as unknown[]) {
      const user = table(u);
      if (user?.password_hash !== undefined) found.push(`auth.users[${String(user.name ?? '?')}].password_hash`);
    }
  }
  if (table(raw.approvals)?.webhook_url !== undefined) found.push('approvals.webhook_url');
  if (table(raw.redis)?.password !== undefined) found.push('redis.password');
  if (table(raw.mcp)?.secrets !== undefined) found.push('mcp.secrets');
  if (table(raw.metrics)?.scrape_token !== undefined) found.push('metrics.scrape_token');
  if (table(raw.worker)?.host_token !== undefined) found.push('worker.host_token');
  const url = table(raw.redis)?.url;
  if (typeof url === 'string' && /\/\/[^/@]*:[^/@]+@/.test(url)) found.push('redis.url (a password in the URL)');
  return found;
}

/** Puts the secrets into a parsed system-config.toml (before env overrides and validation). */
export function mergeSecrets(raw: Record<string, unknown>, secrets: SecretsFile): void {
  const section = (name: string): Record<string, unknown> => {
    const v = raw[name];
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
    return (raw[name] = {});
  };
  if (secrets.auth.jwt_secret !== undefined) section('auth').jwt_secret = secrets.auth.jwt_secret;
  const users = section('auth').users;
  if (Array.isArray(users)) {
    for (const u of users as Record<string, unknown>[]) {
      const hash = typeof u?.name === 'string' ? secrets.auth.password_hashes[u.name] : undefined;
      if (hash !== undefined) u.password_hash = hash;
    }
  }
  if (secrets.approvals.webhook_url !== undefined) section('approvals').webhook_url = secrets.approvals.webhook_url;
  if (secrets.redis.password !== undefined) section('redis').password = secrets.redis.password;
  if (Object.keys(secrets.mcp.secrets).length > 0) section('mcp').secrets = { ...secrets.mcp.secrets };
  if (secrets.metrics.scrape_token !== undefined) section('metrics').scrape_token = secrets.metrics.scrape_token;
  if (secrets.worker.host_token !== undefined) section('worker').host_token = secrets.worker.host_token;
}

/** What `extractSecrets` took out of a parsed system-config.toml. */
export interface ExtractedSecrets {
  jwtSecret?: string;
  passwordHashes: Record<string, string>;
  webhookUrl?: string;
  redisPassword?: string;
  mcpSecrets: Record<string, string>;
  metricsToken?: string;
  hostToken?: string;
  /** the dotted paths that were removed (secretFieldsIn's names) */
  fields: string[];
}

/**
 * Removes every secret field from a parsed system-config.toml, in place, and returns the
 * values. A password inside `redis.url` is moved to `redis.password` (the URL keeps the rest).
 */
export function extractSecrets(raw: Record<string, unknown>): ExtractedSecrets {
  const fields = secretFieldsIn(raw);
  const out: ExtractedSecrets = { passwordHashes: {}, mcpSecrets: {}, fields };
  const table = (v: unknown): Record<string, unknown> | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);
  const auth = table(raw.auth);
  if (auth) {
    if (typeof auth.jwt_secret === 'string') out.jwtSecret = auth.jwt_secret;
    delete auth.jwt_secret;
    for (const u of Array.isArray(auth.users) ? (auth.users as unknown[]) : []) {
      const user = table(u);
      if (!user || user.password_hash === undefined) continue;
      if (typeof user.name === 'string' && typeof user.password_hash === 'string') out.passwordHashes[user.name] = user.password_hash;
      delete user.password_hash;
    }
  }
  const approvals = table(raw.approvals);
  if (approvals) {
    if (typeof approvals.webhook_url === 'string') out.webhookUrl = approvals.webhook_url;
    delete approvals.webhook_url;
  }
  const redis = table(raw.redis);
  if (redis) {
    if (typeof redis.password === 'string') out.redisPassword = redis.password;
    delete redis.password;
    if (typeof redis.url === 'string') {
      const m = /^(rediss?:\/\/)([^/@]*?):([^/@]+)@(.*)$/.exec(redis.url);
      if (m) {
        out.redisPassword ??= decodeURIComponent(m[3]!);
        redis.url = `${m[1]}${m[2] ? `${m[2]}@` : ''}${m[4]}`;
      }
    }
  }
  const mcp = table(raw.mcp);
  if (mcp) {
    const secrets = table(mcp.secrets);
    for (const [k, v] of Object.entries(secrets ?? {})) if (typeof v === 'string') out.mcpSecrets[k] = v;
    delete mcp.secrets;
  }
  const metrics = table(raw.metrics);
  if (metrics) {
    if (typeof metrics.scrape_token === 'string') out.metricsToken = metrics.scrape_token;
    delete metrics.scrape_token;
  }
  const worker = table(raw.worker);
  if (worker) {
    if (typeof worker.host_token === 'string') out.hostToken = worker.host_token;
    delete worker.host_token;
  }
  return out;
}
