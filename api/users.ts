import { statSync } from 'node:fs';
import path from 'node:path';
import { CONFIG_FILE, loadConfig } from '../shared/config/load-config.js';
import type { NoxConfig } from '../shared/config/schema.js';
import { readSecretsFile, updateSecretsFile } from '../shared/config/secrets.js';

/**
 * People who can log in: names and roles from system-config.toml, password hashes from the
 * secrets file. Re-read when either file changes, so a user added with `nox user add` can
 * log in without restarting the API.
 */
export type User = NoxConfig['auth']['users'][number];

export interface UserDirectory {
  find(name: string): User | undefined;
  /**
   * Replaces a user's password hash `from` with `to` where it is stored (a rehash at a
   * higher cost); false when the stored hash is no longer `from` or lives elsewhere.
   */
  replaceHash?(name: string, from: string, to: string): boolean;
}

export function fileUserDirectory(config: NoxConfig): UserDirectory {
  const files = [path.join(config.registryDir, CONFIG_FILE), config.secretsFile];
  let users = config.auth.users;
  let seen = stamp(files);
  return {
    find(name) {
      const now = stamp(files);
      if (now !== seen) {
        seen = now;
        try {
          users = loadConfig({ registryDir: config.registryDir, secretsFile: config.secretsFile }).auth.users;
        } catch {
          // a broken edit keeps the last good list; the API logs config errors at boot
        }
      }
      return users.find((u) => u.name === name);
    },
    replaceHash(name, from, to) {
      // only a hash the secrets file holds (not one from the environment or a test's overrides),
      // and only if nobody changed it since it was read (`nox user passwd`); read first so a
      // miss writes nothing
      if (readSecretsFile(config.secretsFile).auth.password_hashes[name] !== from) return false;
      let replaced = false;
      updateSecretsFile(config.secretsFile, (secrets) => {
        if (secrets.auth.password_hashes[name] !== from) return;
        secrets.auth.password_hashes[name] = to;
        replaced = true;
      });
      return replaced;
    },
  };
}

function stamp(files: string[]): string {
  return files
    .map((f) => {
      try {
        return String(statSync(f).mtimeMs);
      } catch {
        return '0';
      }
    })
    .join(':');
}
