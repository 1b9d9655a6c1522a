import type { NoxConfig } from '../../shared/config/schema.js';
import { parseHostCredential } from '../../shared/hosts/host-credential.js';
import type { MirrorOrigin } from '../../shared/projects/project-mirror.js';
import type { Project } from '../../shared/projects/project-model.js';
import { defaultApiUrl } from '../agents/claude-cli/command-line.js';

/**
 * Where this host fetches a project from and pushes an agent's branch to (docs/WORKTREES.md,
 * "Movable"). A host that joined with a host credential uses the mirror the API serves —
 * `<api>/api/projects/<project>/agents/<id>/git`, the credential in an `http.extraHeader`
 * given through git's environment (GIT_CONFIG_COUNT), never in a URL or a config file — so it
 * needs no sight of the project's repository. A host without one (on the machine of the
 * install, with its signing key) uses the project's repository, as it sees it.
 */
export function projectOrigin(config: NoxConfig, project: Project, agentId: string): MirrorOrigin & { served: boolean } {
  const credential = config.worker.host_token;
  if (!parseHostCredential(credential)) return { url: project.repo, served: false };
  const api = defaultApiUrl(config).replace(/\/$/, '');
  return {
    url: `${api}/api/projects/${encodeURIComponent(project.name)}/agents/${encodeURIComponent(agentId)}/git`,
    served: true,
    env: { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'http.extraHeader', GIT_CONFIG_VALUE_0: `Authorization: Bearer ${(credential as string).trim()}` },
  };
}
