import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { NoxConfig } from '../../shared/config/schema.js';
import { agentConfigDir } from '../../workers/agents/claude-cli/command-line.js';
import { uniqueAgentId, type AgentStack } from '../agents/agent-stack.js';

/**
 * The token a worker minted for an agent's current process, as its tools server reads it
 * (workers/tools-server/mcp-entry.ts writes it beside the agent's CLAUDE_CONFIG_DIR).
 */
export function agentToken(config: NoxConfig, agentId: string): string {
  return readFileSync(path.join(path.dirname(agentConfigDir(config, agentId)), 'nox-token'), 'utf8').trim();
}

/** creates and starts a stand-in agent; its id and the token its process got */
export async function runningAgent(stack: AgentStack, base: string): Promise<{ id: string; token: string }> {
  const id = uniqueAgentId(base);
  await stack.createAgent({ id });
  await stack.startAgent(id);
  return { id, token: agentToken(stack.config, id) };
}
