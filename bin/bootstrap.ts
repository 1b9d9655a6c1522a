import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generatePassword, hashPassword } from '../shared/auth/passwords.js';
import { readConfigFile, writeConfigFile } from '../shared/config/config-file.js';

/**
 * First run of `nox up`: make the registry folder, a JWT secret and an admin user whose
 * password is shown once. Later runs change nothing that exists.
 */
export interface BootstrapResult {
  created: boolean;
  adminPassword?: string;
}

const HEADER = `# Nox system configuration. Every field and its default: docs/CONFIGURATION.md.
# Environment variables override these values (REDIS_URL, NOX_PORT, ...).`;

export async function bootstrapRegistry(registryDir: string): Promise<BootstrapResult> {
  mkdirSync(path.join(registryDir, '.runtime'), { recursive: true });
  const ignore = path.join(registryDir, '.gitignore');
  if (!existsSync(ignore)) writeFileSync(ignore, '# process state, never committed\n.runtime/\n');

  const current = readConfigFile(registryDir);
  const auth = (current.auth ?? {}) as Record<string, unknown>;
  const users = (auth.users ?? []) as Record<string, unknown>[];
  if (auth.jwt_secret && users.length > 0) return { created: false };

  let adminPassword: string | undefined;
  if (!auth.jwt_secret) auth.jwt_secret = randomBytes(48).toString('base64url');
  if (users.length === 0) {
    adminPassword = generatePassword();
    users.push({ name: 'admin', role: 'admin', password_hash: await hashPassword(adminPassword) });
  }
  auth.users = users;
  writeConfigFile(registryDir, { ...current, auth }, HEADER);
  return { created: true, adminPassword };
}
