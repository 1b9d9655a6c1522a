import { statSync } from 'node:fs';
import path from 'node:path';
import { CONFIG_FILE, loadConfig } from '../shared/config/load-config.js';
import type { NoxConfig } from '../shared/config/schema.js';

/**
 * People who can log in, from system-config.toml. Re-read when the file changes, so a
 * user added with `nox user add` can log in without restarting the API.
 */
export type User = NoxConfig['auth']['users'][number];

export interface UserDirectory {
  find(name: string): User | undefined;
}

export function fileUserDirectory(config: NoxConfig): UserDirectory {
  const file = path.join(config.registryDir, CONFIG_FILE);
  let users = config.auth.users;
  let seenMtime = mtimeOf(file);
  return {
    find(name) {
      const mtime = mtimeOf(file);
      if (mtime !== seenMtime) {
        seenMtime = mtime;
        try {
          users = loadConfig({ registryDir: config.registryDir }).auth.users;
        } catch {
          // a broken edit keeps the last good list; the API logs config errors at boot
        }
      }
      return users.find((u) => u.name === name);
    },
  };
}

function mtimeOf(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}
