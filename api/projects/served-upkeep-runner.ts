import { existsSync } from 'node:fs';
import { AGENT_EVENT } from '../../shared/agents/agent-events.js';
import { errorFields } from '../../shared/logger.js';
import { gitSlotsFor } from '../../shared/projects/git-limit.js';
import type { Project } from '../../shared/projects/project-model.js';
import { servedAgentsRoot, servedMirror } from '../../shared/projects/project-paths.js';
import { projectStore } from '../../shared/projects/project-store.js';
import { upkeepServed } from '../../shared/projects/served-upkeep.js';
import { registryClientFor } from '../../shared/registry/registry-client.js';
import type { ApiDeps } from '../deps.js';

/**
 * When this API node keeps up the served mirrors it serves (docs/WORKTREES.md, "Upkeep of the
 * served mirror"; the work itself: shared/projects/served-upkeep.ts):
 *
 * - after a host's push, at most every `projects.served_upkeep_minutes` per project;
 * - when an agent is deleted (`agent.deleted`, whichever process deleted it), at once, on
 *   every project whose served mirror is on this machine, so its merged branch goes with it.
 *
 * In the background of the request that caused it, in one of the served mirror's git slots
 * (shared/projects/git-limit.ts: it waits behind hosts' fetches and pushes, and is skipped
 * when they fill the queue); one waiting per project at most, however many pushes or
 * deletions come meanwhile.
 */
export interface ServedUpkeep {
  afterPush(project: Project): void;
}

export function servedUpkeepRunner(deps: ApiDeps): ServedUpkeep {
  const { ctx } = deps;
  const logger = ctx.logger.child({ component: 'served-upkeep' });
  const lastRun = new Map<string, number>();
  const waiting = new Set<string>();

  const run = (project: Project, force: boolean): void => {
    const mirror = servedMirror(ctx.config, project.name);
    if (waiting.has(mirror) || !existsSync(mirror)) return;
    const everyMs = ctx.config.projects.served_upkeep_minutes * 60_000;
    if (!force && Date.now() - (lastRun.get(mirror) ?? 0) < everyMs) return;
    waiting.add(mirror);
    gitSlotsFor(ctx)
      .served.run(async () => {
        waiting.delete(mirror);
        lastRun.set(mirror, Date.now());
        const registry = registryClientFor(ctx);
        await upkeepServed(mirror, servedAgentsRoot(ctx.config, project.name), project, (id) => registry.read.agent(id)?.project === project.name, logger);
      })
      .catch((err: unknown) => {
        waiting.delete(mirror);
        logger.warn('served mirror upkeep did not run', { project: project.name, ...errorFields(err) });
      });
  };

  // followed as long as this node's tailer runs (it stops with the API)
  deps.tailer.onEvent(
    () => {
      try {
        for (const project of projectStore(registryClientFor(ctx)).list()) run(project, true);
      } catch (err) {
        logger.warn('served mirror upkeep after a deletion: the projects could not be read', errorFields(err));
      }
    },
    (type) => type === AGENT_EVENT.deleted,
  );

  return { afterPush: (project) => run(project, false) };
}
