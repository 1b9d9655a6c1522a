import path from 'node:path';
import type { NoxConfig } from '../../shared/config/schema.js';
import { mountArgs } from '../agents/sandbox/bubblewrap.js';
import { samePath, systemMounts, withoutCovered, type Mount } from '../agents/sandbox/mount-plan.js';
import { requireSandbox } from '../agents/sandbox/readiness.js';

/**
 * Where Nox's own git runs on an agent's repository and worktree (docs/WORKTREES.md, "Nox's
 * git outside the sandbox"). The agent writes its repository's `objects/` and its worktree's
 * git folder, so it can plant symlinks there: a fan-out folder `objects/ab` linked to
 * another agent's `objects/ab`, say. Followed by a git running in the worker's whole
 * filesystem — the push at a turn's end, the fetch at a start — those would carry another
 * agent's objects into this agent's branch, or write into another agent's repository.
 *
 * So that git runs in a bubblewrap view holding the system read-only, the host's mirror
 * read-only, and the agent's own repository and worktree (and, for a host without a
 * credential, the project's repository it pushes to): a link the agent planted resolves
 * inside that view, where no other agent's folder is. The network is the worker's (a push
 * reaches the served mirror over HTTP); the credential is in git's environment, as outside.
 * With `agent.sandbox = "off"` agents are not sandboxed at all, and neither is this.
 */
export interface GitViewPaths {
  readOnly: string[];
  writable: string[];
}

export async function agentGitView(config: NoxConfig, paths: GitViewPaths): Promise<string[] | undefined> {
  if (config.agent.sandbox === 'off') return undefined;
  const tools = await requireSandbox(config);
  const mounts: Mount[] = [
    ...systemMounts(),
    // name resolution for a served mirror reached by host name; ssh to a project's repository by URL
    ...samePath('ro', '/etc/resolv.conf', true),
    ...samePath('ro', '/etc/ssh', true),
    ...(process.env.SSH_AUTH_SOCK ? samePath('rw', path.dirname(process.env.SSH_AUTH_SOCK), true) : []),
    ...paths.readOnly.flatMap((p) => samePath('ro', p, true)),
    ...paths.writable.flatMap((p) => samePath('rw', p, true)),
  ];
  return [tools.bwrap, '--unshare-all', '--share-net', '--die-with-parent', '--cap-drop', 'ALL', ...mountArgs(withoutCovered(mounts)), '--'];
}
