import type { AgentConfig } from './agent-config.js';
import { AgentNotFoundError } from '../errors/agent-errors.js';

/** The contract of an agent config store (agent-store.ts picks the implementation). */
export interface AgentStore {
  list(): Promise<AgentConfig[]>;
  get(id: string): Promise<AgentConfig | undefined>;
  /** throws AgentExistsError when the id is taken */
  create(config: AgentConfig, actor: string): Promise<void>;
  /** throws AgentNotFoundError when absent */
  update(config: AgentConfig, actor: string): Promise<void>;
  remove(id: string, actor: string): Promise<boolean>;
  /**
   * A token that changes whenever the set of configs may have changed (cheap: no read of
   * the configs themselves), for list ETags. Optional: a store without one is always read.
   */
  version?(): Promise<string>;
}

export async function requireAgent(store: AgentStore, id: string): Promise<AgentConfig> {
  const config = await store.get(id);
  if (!config) throw new AgentNotFoundError(id);
  return config;
}

