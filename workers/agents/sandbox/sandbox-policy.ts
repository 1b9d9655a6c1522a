import path from 'node:path';
import type { AgentConfig } from '../../../shared/agents/agent-config.js';
import type { NoxConfig } from '../../../shared/config/schema.js';
import { selfCommandFiles } from '../../../shared/runtime/self-command.js';
import { agentWorkdir, workspaceRoot } from '../claude-cli/command-line.js';
import { guardReadable, guardWritable, type GuardedPaths } from './mount-guard.js';
import { samePath, systemMounts, withoutCovered, type Mount } from './mount-plan.js';
import { planNetwork, type NetworkPlan } from './network-plan.js';

/**
 * One agent's sandbox, decided from the config (docs/SANDBOX.md): the mounts in the order
 * bubblewrap must make them, and its network (network-plan.ts). Pure apart from reading the
 * filesystem for symlinks; bubblewrap.ts turns it into a command line, endpoints.ts serves
 * the network side.
 *
 * Read-only: the system (mount-plan.ts), the real folder of the agent's program and of node
 * (the Nox tools server and MCP bridges run on it), the parts of the Nox install those read
 * (never the whole project folder), `agent.sandbox_read`. Writable: the workdir, the CLI's
 * config dir (its HOME too), add_dirs, the run folder (token file, endpoint sockets).
 */
export interface AgentFolders {
  workdir: string;
  configDir: string;
  runDir: string;
  /** a project agent's git: the mirror's parts its worktree needs (workers/worktrees/worktree-mounts.ts), bound after everything else */
  gitMounts?: Mount[];
}

export interface SandboxPolicy {
  mounts: Mount[];
  network: NetworkPlan;
}

export interface PolicyInput {
  config: NoxConfig;
  agent: AgentConfig;
  folders: AgentFolders;
  /** the real file of the agent's program (program-path.ts) */
  program: string;
  /** the real file of socat, started inside before the program */
  socat: string;
  /** the worker's environment: ANTHROPIC_BASE_URL when agent.env does not set it */
  hostEnv: NodeJS.ProcessEnv;
  apiUrl: string;
}

export function sandboxPolicy(input: PolicyInput): SandboxPolicy {
  const { config, agent, folders } = input;
  const noxInstall = selfCommandFiles();
  const guarded: GuardedPaths = {
    registryDir: config.registryDir,
    secretsFile: config.secretsFile,
    workspaceRoot: workspaceRoot(config),
    ownWorkspace: agentWorkdir(config, { id: agent.id }),
    noxInstall,
  };
  const addDirs = agent.add_dirs.map((d) => path.resolve(folders.workdir, d));
  guardWritable(folders.workdir, 'the workdir', guarded);
  for (const dir of addDirs) guardWritable(dir, 'add_dir', guarded);
  for (const p of config.agent.sandbox_read) guardReadable(p, 'agent.sandbox_read', guarded);

  const readOnly = [
    path.dirname(input.program),
    path.dirname(input.socat),
    path.dirname(process.execPath),
    ...noxInstall,
  ].flatMap((p) => samePath('ro', p, true));
  const extra = config.agent.sandbox_read.flatMap((p) => samePath('ro', p, true));
  const writable = [
    ...samePath('rw', folders.workdir),
    ...samePath('rw', folders.configDir),
    ...samePath('rw', folders.runDir),
    // an add_dir that does not exist is left out rather than failing the start
    ...addDirs.flatMap((d) => samePath('rw', d, true)),
  ];
  // order matters: /tmp's tmpfs before anything under /tmp, and the writable folders last
  // so that one under a read-only path stays writable
  const mounts = [...withoutCovered([...systemMounts(), ...readOnly, ...extra, ...writable]), ...(folders.gitMounts ?? [])];

  const env = { ...input.hostEnv, ...config.agent.env };
  const network = planNetwork({
    apiUrl: input.apiUrl,
    modelUrl: env.ANTHROPIC_BASE_URL || undefined,
    providerUrls: [env.ANTHROPIC_BEDROCK_BASE_URL, env.ANTHROPIC_VERTEX_BASE_URL].filter((u): u is string => Boolean(u)),
    networkAllow: config.agent.network_allow,
    runDir: folders.runDir,
  });
  return { mounts, network };
}
