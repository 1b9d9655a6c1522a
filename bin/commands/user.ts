import { generatePassword, hashPassword } from '../../shared/auth/passwords.js';
import { readConfigFile, writeConfigFile } from '../../shared/config/config-file.js';
import { resolveRegistryDir } from '../../shared/config/load-config.js';
import { configOrExit } from '../boot.js';

/** `nox user add|passwd|list`: people who can log in, kept in system-config.toml. */
type UserRow = { name: string; role: string; password_hash: string };

function users(registryDir: string): { content: Record<string, unknown>; list: UserRow[] } {
  const content = readConfigFile(registryDir);
  const auth = (content.auth ??= {}) as Record<string, unknown>;
  const list = (auth.users ??= []) as UserRow[];
  return { content, list };
}

export async function addUser(name: string, role: string, password?: string): Promise<string> {
  const registryDir = resolveRegistryDir();
  const { content, list } = users(registryDir);
  if (list.some((u) => u.name === name)) throw new Error(`user "${name}" exists; use \`nox user passwd ${name}\``);
  const pass = password ?? generatePassword();
  list.push({ name, role, password_hash: await hashPassword(pass) });
  writeConfigFile(registryDir, content);
  configOrExit({ registryDir }); // refuse to leave an invalid file behind unnoticed
  return pass;
}

export async function setPassword(name: string, password?: string): Promise<string> {
  const registryDir = resolveRegistryDir();
  const { content, list } = users(registryDir);
  const user = list.find((u) => u.name === name);
  if (!user) throw new Error(`no user "${name}"`);
  const pass = password ?? generatePassword();
  user.password_hash = await hashPassword(pass);
  writeConfigFile(registryDir, content);
  return pass;
}

export function listUsers(): { name: string; role: string }[] {
  return configOrExit().auth.users.map((u) => ({ name: u.name, role: u.role }));
}
