import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { samePath, type Mount } from '../agents/sandbox/mount-plan.js';

/**
 * What git needs inside the agent's sandbox, and no more (docs/WORKTREES.md, "What an agent
 * can do to the repository"). The worktree itself is the agent's workdir (writable already).
 * Its `.git` file names the worktree's git folder in the agent's own repository
 * (workers/worktrees/agent-repo.ts); git there reads that repository's config and refs, the
 * host mirror's objects through `objects/info/alternates`, and writes objects, its branch's
 * ref and the worktree's HEAD and index. So:
 *
 * - the host's mirror: read-only, all of it (it holds the base only: shared/projects/project-mirror.ts);
 * - the agent's repository: read-only (its config, hooks, packed-refs);
 * - writable over it: `objects/` (new commits), `refs/heads/nox/` (its branch; nothing there is
 *   any other agent's), the worktree's git folder `worktrees/<id>/`;
 * - read-only again over those: `objects/info/` with its `alternates` (which objects Nox's own git reads)
 *   and the git folder's `commondir` and `gitdir` files, so the agent cannot point Nox's own
 *   git (which reads them outside the sandbox) at a config of its making.
 *
 * These come after the sandbox's other mounts, in this order (bubblewrap applies them in order).
 */
export function worktreeMounts(mirror: string, repo: string, gitDir: string): Mount[] {
  const branches = path.join(repo, 'refs', 'heads', 'nox');
  mkdirSync(branches, { recursive: true });
  return [
    ...samePath('ro', mirror),
    ...samePath('ro', repo),
    ...samePath('rw', path.join(repo, 'objects')),
    // the folder, not only the file: a folder bound is a mount point, which the agent cannot rename away to put a link in its place
    ...samePath('ro', path.join(repo, 'objects', 'info')),
    ...samePath('rw', branches),
    ...samePath('rw', gitDir),
    ...samePath('ro', path.join(gitDir, 'commondir')),
    ...samePath('ro', path.join(gitDir, 'gitdir')),
  ];
}
