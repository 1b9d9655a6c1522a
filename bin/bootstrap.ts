import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generatePassword, hashPassword } from '../shared/auth/passwords.js';
import { readConfigFile, writeConfigFile } from '../shared/config/config-file.js';
import { extractSecrets, readSecretsFile, updateSecretsFile } from '../shared/config/secrets.js';
import { readGit } from '../shared/registry/registry-history.js';
import { historyHoldsSecrets, valueInHistory } from '../shared/registry/secret-redaction.js';

/**
 * Prepares the registry folder before any process reads its config (`nox up`, and
 * `nox worker --registry-writer`, the folder's owner):
 *
 * - first run: the folder, a JWT signing key and an `admin` user whose password is shown
 *   once — the key and the hash in the secrets file, never in system-config.toml;
 * - upgrade: secret fields found in system-config.toml (older versions kept the key and
 *   the hashes there) move to the secrets file; the cleaned file is committed by the writer
 *   at its start. A signing key that ever reached the registry's git history is replaced by
 *   a new one: every token signed with the old key stops working.
 *
 * Later runs change nothing that exists.
 */
export interface BootstrapResult {
  created: boolean;
  adminPassword?: string;
  /** secret fields moved out of system-config.toml (dotted paths) */
  moved: string[];
  /** the signing key was in git history and has been replaced */
  rotated: boolean;
  /** old commits still hold secret values (until `nox registry purge-secrets`) */
  historyHoldsSecrets: boolean;
}

const HEADER = `# Nox system configuration. Every field and its default: docs/CONFIGURATION.md.
# No secrets here: this file is in the registry's git history. Secrets: the secrets file.
# Environment variables override these values (REDIS_URL, NOX_PORT, ...).`;

const newSigningKey = (): string => randomBytes(48).toString('base64url');

export async function bootstrapRegistry(registryDir: string, secretsFile: string, env: NodeJS.ProcessEnv = process.env): Promise<BootstrapResult> {
  mkdirSync(path.join(registryDir, '.runtime'), { recursive: true });
  const ignore = path.join(registryDir, '.gitignore');
  if (!existsSync(ignore)) writeFileSync(ignore, '# process state, never committed\n.runtime/\n');

  const current = readConfigFile(registryDir);
  const found = extractSecrets(current);
  if (found.fields.length > 0) {
    updateSecretsFile(secretsFile, (s) => {
      // a value already in the secrets file is the newer one
      s.auth.jwt_secret ??= found.jwtSecret;
      for (const [name, hash] of Object.entries(found.passwordHashes)) s.auth.password_hashes[name] ??= hash;
      s.approvals.webhook_url ??= found.webhookUrl;
      s.redis.password ??= found.redisPassword;
      for (const [name, value] of Object.entries(found.mcpSecrets)) s.mcp.secrets[name] ??= value;
      s.metrics.scrape_token ??= found.metricsToken;
      s.worker.host_token ??= found.hostToken;
    });
    writeConfigFile(registryDir, current, HEADER);
  }

  const git = readGit(registryDir);
  let rotated = false;
  const key = readSecretsFile(secretsFile).auth.jwt_secret;
  if (git && key && (await valueInHistory(git, key))) {
    updateSecretsFile(secretsFile, (s) => void (s.auth.jwt_secret = newSigningKey()));
    rotated = true;
  }
  const result: BootstrapResult = { created: false, moved: found.fields, rotated, historyHoldsSecrets: git ? await historyHoldsSecrets(git) : false };

  const secrets = readSecretsFile(secretsFile);
  const auth = (current.auth ?? {}) as Record<string, unknown>;
  const users = (auth.users ?? []) as Record<string, unknown>[];
  const needKey = !secrets.auth.jwt_secret && !env.NOX_JWT_SECRET;
  if (!needKey && users.length > 0) return result;

  if (users.length === 0) {
    result.adminPassword = generatePassword();
    users.push({ name: 'admin', role: 'admin' });
    auth.users = users;
    writeConfigFile(registryDir, { ...current, auth }, HEADER);
  }
  const adminHash = result.adminPassword ? await hashPassword(result.adminPassword) : undefined;
  updateSecretsFile(secretsFile, (s) => {
    if (needKey) s.auth.jwt_secret = newSigningKey();
    if (adminHash) s.auth.password_hashes.admin = adminHash;
  });
  result.created = true;
  return result;
}
