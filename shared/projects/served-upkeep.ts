import type { Logger } from '../logger.js';
import { git, gitOk } from './git-run.js';
import type { Project } from './project-model.js';
import { exclusiveUse } from './served-gate.js';

/**
 * The served mirror's upkeep (docs/WORKTREES.md, "Upkeep of the served mirror"). Every push
 * adds objects and refs to it, and its clone turned git's automatic gc off (`gc.auto=0`, as
 * for hosts' mirrors, where agents read packed-refs — but no agent reaches the served
 * mirror), so without this it only grows. Two steps, alone on the mirror (served-gate.ts):
 *
 * - the branches `nox/<id>` of agents the project no longer has are removed when they hold
 *   nothing the base does not (their work merged, or none): nothing is lost, and a deleted
 *   agent's unmerged branch stays, as its deletion's approval said (docs, "Never losing work");
 * - `git gc --auto` with git's default thresholds (`gc.auto=6700` loose objects; the
 *   mirror's own `gc.autoPackLimit`, 50 unless set), in the foreground (`gc.autoDetach=false`)
 *   and bounded in time: nothing when there is little to do.
 */
export interface UpkeepResult {
  /** the branches removed (`nox/<id>`) */
  removed: string[];
}

/** git's own default, which the clone set to 0 (project-mirror.ts) */
const GC_AUTO = '6700';
const GC_TIMEOUT_MS = 600_000;

export async function upkeepServed(mirror: string, project: Project, isAgentOfProject: (agentId: string) => boolean, logger: Logger): Promise<UpkeepResult> {
  return exclusiveUse(mirror, async () => {
    const removed = await removeLeftBranches(mirror, project, isAgentOfProject);
    if (removed.length > 0) logger.info('served mirror: branches of deleted agents removed (nothing unmerged on them)', { project: project.name, removed });
    const gc = await git([`--git-dir=${mirror}`, '-c', `gc.auto=${GC_AUTO}`, '-c', 'gc.autoDetach=false', 'gc', '--auto', '--quiet'], { timeoutMs: GC_TIMEOUT_MS });
    if (!gc.ok) logger.warn('served mirror: gc failed', { project: project.name, stderr: gc.stderr.trim().slice(0, 500) });
    return { removed };
  });
}

/** Removes `nox/<id>` of agents gone from the project when the base holds all of it. */
async function removeLeftBranches(mirror: string, project: Project, isAgentOfProject: (agentId: string) => boolean): Promise<string[]> {
  const m = `--git-dir=${mirror}`;
  const base = await git([m, 'rev-parse', '--verify', '--quiet', `refs/heads/${project.base}`]);
  if (!base.ok) return [];
  const lines = (await gitOk([m, 'for-each-ref', '--format=%(refname:strip=3) %(objectname)', 'refs/heads/nox/'])).split('\n').filter(Boolean);
  const removed: string[] = [];
  for (const line of lines) {
    const [id = '', sha = ''] = line.split(' ');
    if (!id || isAgentOfProject(id)) continue;
    if (!(await git([m, 'merge-base', '--is-ancestor', sha, base.stdout.trim()])).ok) continue;
    // only if it still points where it was read: a branch moved meanwhile is kept
    if ((await git([m, 'update-ref', '-d', `refs/heads/nox/${id}`, sha])).ok) removed.push(`nox/${id}`);
  }
  return removed;
}
