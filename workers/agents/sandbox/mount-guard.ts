import { existsSync, realpathSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SandboxRefusedError } from '../../../shared/errors/agent-errors.js';
import { isInside } from './mount-plan.js';

/**
 * What an agent's config may NOT open in its sandbox. An agent's workdir and add_dirs are
 * bound writable and `agent.sandbox_read` readable, and an agent can ask for a child with a
 * workdir of its choosing (a spawn, behind an approval) — so a workdir of `/`, of the
 * registry's parent or of the workspace root would hand it the secrets, the registry or
 * every other agent's files. Refused, with the reason, before anything is bound.
 */
export interface GuardedPaths {
  registryDir: string;
  secretsFile: string;
  workspaceRoot: string;
  /** the agent's own folder under the workspace root */
  ownWorkspace: string;
  /** the Nox install the sandbox shows read-only (its code runs as the worker, too) */
  noxInstall: readonly string[];
}

/** Folders no agent may write into, nor have as a writable parent. */
const SYSTEM = ['/usr', '/etc', '/bin', '/sbin', '/lib', '/lib64', '/boot', '/proc', '/sys', '/dev', '/run', '/var/run', '/root'];

export function guardWritable(p: string, what: string, g: GuardedPaths): void {
  const real = realOrResolved(p);
  if (real === '/') refuse(what, real, 'is the whole filesystem');
  for (const dir of SYSTEM) if (isInside(dir, real) || isInside(real, dir)) refuse(what, real, `overlaps the system folder ${dir}`);
  const home = os.homedir();
  if (home && isInside(real, home)) refuse(what, real, `holds the worker's home folder ${home}`);
  for (const p2 of g.noxInstall) if (isInside(real, p2) || isInside(p2, real)) refuse(what, real, `overlaps the Nox install (${p2})`);
  guardReadable(real, what, g);
}

/**
 * Paths an agent may not even read: the registry, the secrets, other agents' folders. Its
 * own folder under the workspace root is fine wherever that root is (tests keep it in the
 * registry's git-ignored .runtime/), as long as it holds none of those.
 */
export function guardReadable(p: string, what: string, g: GuardedPaths): void {
  const real = realOrResolved(p);
  const registry = realOrResolved(g.registryDir);
  const secrets = path.dirname(realOrResolved(g.secretsFile));
  const root = realOrResolved(g.workspaceRoot);
  const own = realOrResolved(g.ownWorkspace);
  if (isInside(real, registry)) refuse(what, real, `holds the registry folder ${registry}`);
  if (isInside(real, secrets)) refuse(what, real, `holds the secrets file ${g.secretsFile}`);
  if (isInside(own, real)) return;
  if (isInside(registry, real)) refuse(what, real, `is inside the registry folder ${registry}`);
  if (isInside(real, root)) refuse(what, real, `holds every agent's folder (${root})`);
  if (isInside(root, real)) refuse(what, real, `is another agent's folder under ${root}`);
}

function refuse(what: string, p: string, why: string): never {
  throw new SandboxRefusedError(`${what} ${p} ${why}; the sandbox will not show it`);
}

/** Symlinks resolved where the path exists, so a link cannot smuggle a folder past the checks. */
function realOrResolved(p: string): string {
  const resolved = path.resolve(p);
  try {
    return existsSync(resolved) ? realpathSync(resolved) : resolved;
  } catch {
    return resolved;
  }
}
