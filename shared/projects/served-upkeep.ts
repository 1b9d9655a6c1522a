import { rmSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../logger.js';
import { git } from './git-run.js';
import { borrowersIn } from './mirror-layout.js';
import { freshMirror } from './project-mirror.js';
import { agentBranch, type Project } from './project-model.js';
import { exclusiveUse } from './served-gate.js';

/**
 * The served mirror's upkeep (docs/WORKTREES.md, "Upkeep of the served mirror"). Every push
 * adds objects to an agent's served repository, and automatic gc is off there (`gc.auto=0`),
 * so without this they only grow. Two steps, alone on the project's served repositories
 * (served-gate.ts):
 *
 * - the served repository of an agent the project no longer has is removed when its branch
 *   holds nothing the base does not (its work merged, or none): nothing is lost, and a deleted
 *   agent's unmerged branch stays, as its deletion's approval said (docs, "Never losing work");
 * - `git gc --auto` in each agent's served repository and in the base repository, with git's
 *   default thresholds (`gc.auto=6700` loose objects; `gc.autoPackLimit`, 50 unless set), in
 *   the foreground (`gc.autoDetach=false`) and bounded in time: nothing when there is little
 *   to do. The base repository never prunes (`gc.pruneExpire=never`, served-mirror.ts): the
 *   agents' repositories borrow its objects.
 */
export interface UpkeepResult {
  /** the branches removed (`nox/<id>`) */
  removed: string[];
}

/** git's own default, which the clone set to 0 (project-mirror.ts) */
const GC_AUTO = '6700';
const GC_TIMEOUT_MS = 600_000;

export async function upkeepServed(mirror: string, agentsRoot: string, project: Project, isAgentOfProject: (agentId: string) => boolean, logger: Logger): Promise<UpkeepResult> {
  return exclusiveUse(mirror, async () => {
    const removed: string[] = [];
    // the base as the project's repository has it now: one reset by force since the last fetch (a merge undone) must
    // not make a deleted agent's work look merged (an agent's own copy of the ref is set only when it is served)
    await freshMirror(project, mirror, logger);
    const base = await git([`--git-dir=${mirror}`, 'rev-parse', '--verify', '--quiet', `refs/remotes/origin/${project.base}`]);
    for (const repo of borrowersIn(agentsRoot)) {
      const id = path.basename(repo, '.git');
      if (base.ok && !isAgentOfProject(id) && (await holdsNothingUnmerged(repo, base.stdout.trim(), id))) {
        rmSync(repo, { recursive: true, force: true });
        removed.push(agentBranch(id));
        continue;
      }
      await gcAuto(repo, project, logger);
    }
    if (removed.length > 0) logger.info('served mirror: repositories of deleted agents removed (nothing unmerged on their branches)', { project: project.name, removed });
    await gcAuto(mirror, project, logger);
    return { removed };
  });
}

async function gcAuto(repo: string, project: Project, logger: Logger): Promise<void> {
  const gc = await git([`--git-dir=${repo}`, '-c', `gc.auto=${GC_AUTO}`, '-c', 'gc.autoDetach=false', 'gc', '--auto', '--quiet'], { timeoutMs: GC_TIMEOUT_MS });
  if (!gc.ok) logger.warn('served mirror: gc failed', { project: project.name, repo, stderr: gc.stderr.trim().slice(0, 500) });
}

/** The agent's branch is missing, or the base holds all of it. */
async function holdsNothingUnmerged(repo: string, baseSha: string, agentId: string): Promise<boolean> {
  const r = `--git-dir=${repo}`;
  const head = await git([r, 'rev-parse', '--verify', '--quiet', `refs/heads/${agentBranch(agentId)}`]);
  return !head.ok || (await git([r, 'merge-base', '--is-ancestor', head.stdout.trim(), baseSha])).ok;
}
