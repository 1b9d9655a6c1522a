import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { samePath, type Mount } from '../agents/sandbox/mount-plan.js';

/**
 * What git needs inside the agent's sandbox, and no more (docs/WORKTREES.md, "What an agent
 * can do to the repository"). The worktree itself is the agent's workdir (writable already).
 * Its `.git` file names the worktree's git folder in this host's mirror; git there reads the
 * mirror's config, refs and objects and writes objects, its own branch's ref and the
 * worktree's HEAD and index. So:
 *
 * - the mirror: read-only (its config, hooks, packed-refs, other refs);
 * - writable over it: `objects/` (new commits), `refs/heads/nox/` (the agents' branches), the
 *   worktree's git folder `worktrees/<id>/`;
 * - read-only again over that: the folder's `commondir` and `gitdir` files, so the agent cannot
 *   point Nox's own git (which reads them outside the sandbox) at a config of its making.
 *
 * These come after the sandbox's other mounts, in this order (bubblewrap applies them in order).
 */
export function worktreeMounts(mirror: string, gitDir: string): Mount[] {
  const branches = path.join(mirror, 'refs', 'heads', 'nox');
  mkdirSync(branches, { recursive: true });
  return [
    ...samePath('ro', mirror),
    ...samePath('rw', path.join(mirror, 'objects')),
    ...samePath('rw', branches),
    ...samePath('rw', gitDir),
    ...samePath('ro', path.join(gitDir, 'commondir')),
    ...samePath('ro', path.join(gitDir, 'gitdir')),
  ];
}
