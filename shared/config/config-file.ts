import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'smol-toml';
import { CONFIG_FILE } from './load-config.js';

/**
 * Raw read and atomic write of system-config.toml (write to a temp file, then rename, so
 * a crash never leaves half a file). Mode 0600: the file holds the JWT secret and
 * password hashes.
 */
export function readConfigFile(registryDir: string): Record<string, unknown> {
  const file = path.join(registryDir, CONFIG_FILE);
  if (!existsSync(file)) return {};
  return parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
}

export function writeConfigFile(registryDir: string, content: Record<string, unknown>, header?: string): void {
  mkdirSync(registryDir, { recursive: true });
  const file = path.join(registryDir, CONFIG_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  const text = `${header ? `${header.trim()}\n\n` : ''}${stringify(content)}\n`;
  writeFileSync(tmp, text, { mode: 0o600 });
  renameSync(tmp, file);
}
