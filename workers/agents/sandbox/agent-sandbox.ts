import type { AgentConfig } from '../../../shared/agents/agent-config.js';
import type { NoxConfig } from '../../../shared/config/schema.js';
import type { Logger } from '../../../shared/logger.js';
import type { AgentLaunch } from '../claude-cli/command-line.js';
import { wrapInBubblewrap } from './bubblewrap.js';
import { openEndpoints } from './endpoints.js';
import type { GuardInput } from './address-guard.js';
import type { HostPort, NetworkPlan } from './network-plan.js';
import { requireSandbox } from './readiness.js';
import { sandboxPolicy, type AgentFolders } from './sandbox-policy.js';

/**
 * One agent process's sandbox, from opening to closing (agent-launch.ts calls it when
 * `agent.sandbox` is not "off"): checks the host can sandbox (readiness.ts — else
 * SandboxUnavailableError), decides the policy (sandbox-policy.ts — else
 * SandboxRefusedError), opens the host side of its endpoints (endpoints.ts), and wraps the
 * launch spec (bubblewrap.ts). `close()` when the process has exited.
 */
export interface AgentSandbox {
  /** NOX_API_URL as the agent sees it */
  readonly apiUrl: string;
  /** what the sandbox adds to the agent's environment (the model URL inside, the proxy) */
  readonly env: Record<string, string>;
  wrap(spec: AgentLaunch): AgentLaunch;
  close(): Promise<void>;
}

export interface OpenSandboxInput {
  config: NoxConfig;
  agent: AgentConfig;
  folders: AgentFolders;
  /** the real file of the agent's program */
  program: string;
  apiUrl: string;
  logger: Logger;
}

export async function openAgentSandbox(input: OpenSandboxInput): Promise<AgentSandbox> {
  const { config } = input;
  const tools = await requireSandbox(config);
  const policy = sandboxPolicy({ config, agent: input.agent, folders: input.folders, program: input.program, socat: tools.socat, hostEnv: process.env, apiUrl: input.apiUrl });
  const endpoints = await openEndpoints(policy.network.endpoints, guardInput(config, policy.network), input.logger);
  return {
    apiUrl: policy.network.apiUrl,
    env: policy.network.env,
    wrap: (spec) => wrapInBubblewrap(spec, policy, input.program, tools),
    close: () => endpoints.close(),
  };
}

/** What the proxy must refuse besides the fixed ranges: Redis and the container engine; what it may: the forwarded loopback ports. */
function guardInput(config: NoxConfig, network: NetworkPlan): GuardInput {
  const services: HostPort[] = [];
  const redis = urlHostPort(config.redis.url ?? 'redis://127.0.0.1:6379', 6379);
  if (redis) services.push(redis);
  const engine = config.mcp.docker_host ?? process.env.DOCKER_HOST;
  if (engine?.startsWith('tcp://')) {
    const hp = urlHostPort(engine, 2375);
    if (hp) services.push(hp);
  }
  const loopback = /^(127\.|::1$|localhost$)/;
  const forwardedLoopbackPorts = network.endpoints.flatMap((e) => (e.kind === 'forward' && loopback.test(e.target.host) ? [e.target.port] : []));
  return { services, forwardedLoopbackPorts };
}

function urlHostPort(text: string, defaultPort: number): HostPort | undefined {
  try {
    const url = new URL(text);
    return { host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port ? Number(url.port) : defaultPort };
  } catch {
    return undefined;
  }
}
