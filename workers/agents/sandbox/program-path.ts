import { accessSync, constants, realpathSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * Where a program named in the config really is. The agent's environment has a fixed PATH
 * (agent-env.ts), and the sandbox shows the folder of the program's real file, so a bare
 * name (`claude`) is looked up here, once, on the worker's own PATH, and symlinks (npm's
 * `.bin/claude` → `…/claude-code/bin/claude.exe`) are followed to the real file.
 */
export interface ProgramPath {
  /** absolute, as found (symlinks kept) */
  path: string;
  /** the real file (symlinks followed) */
  real: string;
}

export function findProgram(name: string, searchPath: string = process.env.PATH ?? ''): ProgramPath | undefined {
  const candidates = name.includes('/') ? [path.resolve(name)] : searchPath.split(':').filter(Boolean).map((dir) => path.join(dir, name));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      if (!statSync(candidate).isFile()) continue;
      return { path: candidate, real: realpathSync(candidate) };
    } catch {
      // not here
    }
  }
  return undefined;
}
