import { generatePassword, hashPassword } from '../../shared/auth/passwords.js';
import { readConfigFile, writeConfigFile } from '../../shared/config/config-file.js';
import { resolveRegistryDir } from '../../shared/config/load-config.js';
import { resolveSecretsFile, updateSecretsFile } from '../../shared/config/secrets.js';
import { configOrExit } from '../boot.js';

/**
 * `nox user add|passwd|list`: people who can log in. Name and role in system-config.toml
 * (the registry keeps who may do what in its history); the password hash in the secrets
 * file (never in git).
 */
type UserRow = { name: string; role: string };

function users(registryDir: string): { content: Record<string, unknown>; list: UserRow[] } {
  const content = readConfigFile(registryDir);
  const auth = (content.auth ??= {}) as Record<string, unknown>;
  const list = (auth.users ??= []) as UserRow[];
  return { content, list };
}

function files(): { registryDir: string; secretsFile: string } {
  const registryDir = resolveRegistryDir();
  return { registryDir, secretsFile: resolveSecretsFile(registryDir) };
}

export async function addUser(name: string, role: string, password?: string): Promise<string> {
  const { registryDir, secretsFile } = files();
  const { content, list } = users(registryDir);
  if (list.some((u) => u.name === name)) throw new Error(`user "${name}" exists; use \`nox user passwd ${name}\``);
  const pass = password ?? generatePassword();
  const hash = await hashPassword(pass);
  updateSecretsFile(secretsFile, (s) => void (s.auth.password_hashes[name] = hash));
  list.push({ name, role });
  writeConfigFile(registryDir, content);
  configOrExit({ registryDir, secretsFile }); // refuse to leave an invalid file behind unnoticed
  return pass;
}

export async function setPassword(name: string, password?: string): Promise<string> {
  const { registryDir, secretsFile } = files();
  const { list } = users(registryDir);
  if (!list.some((u) => u.name === name)) throw new Error(`no user "${name}"`);
  const pass = password ?? generatePassword();
  const hash = await hashPassword(pass);
  updateSecretsFile(secretsFile, (s) => void (s.auth.password_hashes[name] = hash));
  return pass;
}

export function listUsers(): { name: string; role: string }[] {
  return configOrExit().auth.users.map((u) => ({ name: u.name, role: u.role }));
}
