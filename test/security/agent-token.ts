import { readFileSync } from 'node:fs';
import type { NoxConfig } from '../../shared/config/schema.js';
import { agentTokenFile } from '../../workers/tools-server/mcp-entry.js';
import { uniqueAgentId, type AgentStack } from '../agents/agent-stack.js';

/**
 * The token a worker minted for an agent's current process, as its tools server reads it
 * (workers/tools-server/mcp-entry.ts writes it in the agent's run folder).
 */
export function agentToken(config: NoxConfig, agentId: string): string {
  return readFileSync(agentTokenFile(config, agentId), 'utf8').trim();
}

/** creates and starts a stand-in agent; its id and the token its process got */
export async function runningAgent(stack: AgentStack, base: string): Promise<{ id: string; token: string }> {
  const id = uniqueAgentId(base);
  await stack.createAgent({ id });
  await stack.startAgent(id);
  return { id, token: agentToken(stack.config, id) };
}
