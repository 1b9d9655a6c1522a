import type { AgentConfig } from '../../shared/agents/agent-config.js';
import { errorFields, type Logger } from '../../shared/logger.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import type { Mount } from '../agents/sandbox/mount-plan.js';
import { prepareWorktree, pushBranch, wipCommit } from './agent-worktree.js';

/**
 * A project agent's worktree for one process's life (agent-launch.ts): made or reused at the
 * start; its branch pushed at each turn's end (`projects.push_branches`); when the process
 * ends — a stop, a crash, a host shutting down — uncommitted work becomes a WIP commit
 * (`projects.wip_commit`) and the branch is pushed once more. Pushes run one at a time.
 */
export interface WorktreeLaunch {
  workdir: string;
  mounts: Mount[];
  turnEnded(): Promise<void>;
  processEnded(): Promise<void>;
}

export async function worktreeLaunch(ctx: NoxContext, agent: AgentConfig, logger: Logger): Promise<WorktreeLaunch> {
  const wt = await prepareWorktree(ctx, agent, logger);
  const settings = ctx.config.projects;
  let chain: Promise<unknown> = Promise.resolve();
  const serial = (work: () => Promise<unknown>): Promise<void> => {
    const next = chain.then(work).catch((err: unknown) => logger.warn('agent worktree upkeep failed', { agentId: agent.id, ...errorFields(err) }));
    chain = next;
    return next.then(() => undefined);
  };
  return {
    workdir: wt.workdir,
    mounts: wt.mounts,
    turnEnded: () => (settings.push_branches ? serial(() => pushBranch(wt, agent.id, logger)) : Promise.resolve()),
    processEnded: () =>
      serial(async () => {
        if (settings.wip_commit) {
          const sha = await wipCommit(wt, agent.id);
          if (sha) logger.info('uncommitted work of the agent kept in a WIP commit', { agentId: agent.id, sha });
        }
        if (settings.push_branches) await pushBranch(wt, agent.id, logger);
      }),
  };
}
