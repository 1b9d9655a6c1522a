import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../logger.js';
import { git, gitOk } from './git-run.js';
import { baseRefspec, LAYOUT, LAYOUT_KEY } from './project-mirror.js';

/**
 * A mirror made before mirrors held the base only (docs/WORKTREES.md, "Layout") was cloned
 * whole and fetched every branch of its origin: on a host, each agent branch it fetched
 * through an agent's URL; on the machine of the API, every agent's pushed branch. Every
 * agent of the host reads the mirror, and every agent's served repository borrows its
 * objects, so those branches' objects must leave it. Once per mirror:
 *
 * 1. each borrower (a repository whose `objects/info/alternates` names the mirror: an agent's
 *    repository on a host, an agent's served repository) gets a pack of its own of every
 *    object its refs and its worktrees' indexes reach that the base does not, wherever that
 *    object is now — so dropping them from the mirror takes nothing from it;
 * 2. the mirror fetches the base only, and every ref but the base is removed — except the
 *    branch of a worktree that still has its git folder in the mirror (an older layout, moved
 *    into the agent's repository at the agent's next start: agent-repo.ts);
 * 3. `repack -a -d` and `prune --expire=now`: what no ref and no index of the mirror reaches is gone.
 *
 * The caller runs it alone on the mirror (project-mirror.ts oneAtATime). Returns whether it narrowed.
 */
export async function narrowLegacyMirror(mirror: string, base: string, borrowers: string[], logger: Logger): Promise<boolean> {
  const m = `--git-dir=${mirror}`;
  if ((await git([m, 'config', '--get', LAYOUT_KEY])).stdout.trim() === LAYOUT) return false;
  const baseSha = (await git([m, 'rev-parse', '--verify', '--quiet', `refs/remotes/origin/${base}`])).stdout.trim();
  if (!baseSha) return false; // nothing fetched yet: narrowed at a later call
  for (const repo of borrowers) await packOwnObjects(repo, baseSha);
  await gitOk([m, 'config', '--replace-all', 'remote.origin.fetch', baseRefspec(base)]);
  const keep = new Set([`refs/remotes/origin/${base}`, `refs/heads/${base}`]);
  const refs = (await gitOk([m, 'for-each-ref', '--format=%(refname)'])).split('\n').filter(Boolean);
  const dropped: string[] = [];
  for (const ref of refs) {
    const legacy = /^refs\/heads\/nox\/([^/]+)$/.exec(ref);
    if (keep.has(ref) || (legacy && existsSync(path.join(mirror, 'worktrees', legacy[1]!, 'HEAD')))) continue;
    await gitOk([m, 'update-ref', '-d', ref]);
    dropped.push(ref);
  }
  await gitOk([m, 'repack', '-a', '-d', '-q'], { timeoutMs: 600_000 });
  await gitOk([m, 'prune', '--expire=now'], { timeoutMs: 600_000 });
  await gitOk([m, 'config', LAYOUT_KEY, LAYOUT]);
  logger.info('mirror narrowed to the base: other branches and their objects removed', { mirror, dropped: dropped.length, borrowers: borrowers.length });
  return true;
}

/** The bare repositories under `dir` (`<id>.git`) that borrow objects. */
export function borrowersIn(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.git') && existsSync(path.join(dir, f, 'HEAD')))
    .map((f) => path.join(dir, f));
}

/**
 * Packs into `repo` every object its refs and its worktrees' indexes reach and the base does
 * not, wherever it is now (pack-objects without `--local` takes borrowed objects too).
 */
async function packOwnObjects(repo: string, baseSha: string): Promise<void> {
  const r = `--git-dir=${repo}`;
  if ((await gitOk([r, 'for-each-ref', '--count=1', '--format=%(refname)'])).trim() === '') return;
  await gitOk([r, 'pack-objects', '--all', '--indexed-objects', '--revs', '-q', path.join(repo, 'objects', 'pack', 'pack')], { input: `--not\n${baseSha}\n`, timeoutMs: 600_000 });
}
