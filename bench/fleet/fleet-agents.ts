/**
 * The agents a fleet bench creates: one shape for the Nox run and for the raw-git baseline,
 * so both write the same bytes per agent (a short prompt, a label, the defaults).
 */
import { stringify } from 'smol-toml';
import { newAgentConfig } from '../../shared/agents/agent-config.js';

export const fleetAgentId = (i: number): string => `fleet-${i}`;

/** the body of `POST /api/agents` for agent i */
export function fleetAgentInput(i: number): { id: string; system_prompt: string; labels: Record<string, string> } {
  return { id: fleetAgentId(i), system_prompt: `You are fleet agent ${i}: keep the build green and report to your parent.`, labels: { team: `t${i % 20}` } };
}

/** agent i's `[agents.<id>]` table as agents.toml holds it (TOML has no null: dropped, as the store does) */
export function fleetAgentToml(i: number): string {
  const config = JSON.parse(JSON.stringify(newAgentConfig(fleetAgentInput(i)))) as Record<string, unknown>;
  return stringify({ agents: { [fleetAgentId(i)]: config } });
}
