import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The project's root folder, from this file's place (works for sources and dist/). */
export function projectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'nox') return dir;
    } catch {
      // not here; go up
    }
    dir = path.dirname(dir);
  }
  throw new Error('cannot find the nox package root');
}

let cached: string | undefined;
export function noxVersion(): string {
  if (cached) return cached;
  const pkg = JSON.parse(readFileSync(path.join(projectRoot(), 'package.json'), 'utf8')) as { version: string };
  cached = pkg.version;
  return cached;
}
