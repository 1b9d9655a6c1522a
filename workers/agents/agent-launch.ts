import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { AgentConfig } from '../../shared/agents/agent-config.js';
import type { NoxConfig } from '../../shared/config/schema.js';
import type { Logger } from '../../shared/logger.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import { agentTokensFor } from '../host-credential/agent-token-source.js';
import { agentMcpConfig } from '../mcp/agent-mcp-config.js';
import { agentTokenFile, noxToolsServer } from '../tools-server/mcp-entry.js';
import { AgentCommandError } from './launch-failure.js';
import { agentConfigDir, agentRunDir, agentWorkdir, buildAgentLaunch, defaultApiUrl, workspaceRoot, type AgentLaunch } from './claude-cli/command-line.js';
import { openAgentSandbox, type AgentSandbox } from './sandbox/agent-sandbox.js';
import { findProgram } from './sandbox/program-path.js';
import type { AgentFolders } from './sandbox/sandbox-policy.js';
import { restoreSession } from './session-mirror.js';
import { sessionExists } from './session-files.js';
import { worktreeLaunch } from '../worktrees/worktree-launch.js';

/**
 * Everything that goes into starting an agent's process, in one call: its folders, its
 * token, its sandbox (docs/SANDBOX.md; unless `agent.sandbox = "off"`), its MCP servers
 * (the Nox tools server and the catalog's services), whether to resume its CLI session,
 * and the command line. The output is a launch spec — command, args, env, cwd and the
 * private CLAUDE_CONFIG_DIR — that process-runner.ts runs as it is, and `release()`, to
 * call once that process has exited (it closes the sandbox's endpoints).
 *
 * Side effects: the working folder (under the workspace root, which gets a `.gitignore`
 * of `*`), and under the registry's `.runtime/agents/<id>/`: the config folder, and the
 * run folder with the token file the tools server and the MCP endpoint clients read, and
 * the sockets of the sandbox's and the MCP services' endpoints, which this host serves
 * until `release()`.
 */
export interface PreparedLaunch {
  spec: AgentLaunch;
  /** `--resume`: the CLI has written this session before (else `--session-id`) */
  resume: boolean;
  /** the process has exited: close what its launch opened (sandbox endpoints, MCP endpoints and their containers; a project agent's worktree gets its WIP commit) */
  release(): Promise<void>;
  /** a turn ended (a project agent's branch is pushed) */
  turnEnded(): Promise<void>;
}

export interface LaunchRequest {
  hostId: string;
  sessionId: string;
  /** what is left of the agent's budget (its --max-budget-usd); undefined without one */
  remainingBudgetUsd?: number;
  /** the agent's token epoch now (shared/auth/revocation.ts agentTokenEpoch); default 0 */
  tokenEpoch?: number;
  logger: Logger;
}

export async function prepareAgentLaunch(ctx: NoxContext, agent: AgentConfig, request: LaunchRequest): Promise<PreparedLaunch> {
  const { config } = ctx;
  // a project agent's workdir is its git worktree (docs/WORKTREES.md)
  ensureWorkspaceRoot(config);
  const worktree = agent.project ? await worktreeLaunch(ctx, agent, request.logger) : undefined;
  const folders = makeFolders(config, worktree ? { ...agent, workdir: worktree.workdir } : agent);
  if (worktree) folders.gitMounts = worktree.mounts;
  // the agent's own token, new at every start (minted here, or by the API for a host that
  // joined with a host credential: workers/host-credential/agent-token-source.ts); it goes
  // to a 0600 file, never into the environment or onto a command line
  const tokenFile = agentTokenFile(config, agent.id);
  writeFileSync(tokenFile, `${await agentTokensFor(ctx).mint(agent.id, request.tokenEpoch ?? 0)}\n`, { mode: 0o600 });
  chmodSync(tokenFile, 0o600);
  // A session the agent began on another host comes from its mirror (session-mirror.ts)
  // first; then decided from the CLI's own session file, not from whether Nox started it
  // before: a crash before the first turn leaves no session, and --resume of it would fail.
  await restoreSession(ctx, agent.id, { configDir: folders.configDir, cwd: folders.workdir, hostId: request.hostId }, request.sessionId, request.logger);
  const resume = sessionExists(folders.configDir, request.sessionId);
  // looked up on the worker's PATH once: the agent's own PATH is a fixed one
  const program = findProgram(config.agent.command);
  if (!program) throw new AgentCommandError(config.agent.command, request.hostId);
  const sandbox: AgentSandbox | undefined =
    config.agent.sandbox === 'off' ? undefined : await openAgentSandbox({ config, agent, folders, program: program.real, apiUrl: defaultApiUrl(config), logger: request.logger });
  let mcp: ReturnType<typeof agentMcpConfig> | undefined;
  const release = async (): Promise<void> => {
    await Promise.all([sandbox?.close(), mcp?.close(), worktree?.processEnded()]);
  };
  try {
    const apiUrl = sandbox?.apiUrl ?? defaultApiUrl(config);
    // every agent gets the Nox tools server (its own token) in its --mcp-config, plus an
    // endpoint per MCP service enabled for it in the catalog (refusals are logged, never fatal)
    mcp = agentMcpConfig(ctx, agent.id, request.hostId);
    for (const refused of mcp.refused) request.logger.warn('MCP service not given to the agent', { ...refused });
    const extraMcpServers = { ...mcp.servers, ...noxToolsServer(agent.id, tokenFile, apiUrl) };
    const spec = buildAgentLaunch(config, agent, { sessionId: request.sessionId, resume, tokenFile, apiUrl, remainingBudgetUsd: request.remainingBudgetUsd, extraMcpServers, sandboxEnv: sandbox?.env });
    const direct = { ...spec, command: program.path };
    return { spec: sandbox ? sandbox.wrap(direct) : direct, resume, release, turnEnded: async () => worktree?.turnEnded() };
  } catch (err) {
    await release(); // no process will use them
    throw err;
  }
}

function makeFolders(config: NoxConfig, agent: AgentConfig): AgentFolders {
  const folders = { workdir: agentWorkdir(config, agent), configDir: agentConfigDir(config, agent.id), runDir: agentRunDir(config, agent.id) };
  ensureWorkspaceRoot(config);
  mkdirSync(folders.workdir, { recursive: true });
  mkdirSync(folders.configDir, { recursive: true, mode: 0o700 });
  mkdirSync(folders.runDir, { recursive: true, mode: 0o700 });
  return folders;
}

function ensureWorkspaceRoot(config: NoxConfig): void {
  const root = workspaceRoot(config);
  if (!existsSync(root)) {
    mkdirSync(root, { recursive: true });
    // an enclosing git repository (a project that keeps its registry beside its code) must
    // never pick up what agents write
    writeFileSync(path.join(root, '.gitignore'), '*\n');
  }
}
