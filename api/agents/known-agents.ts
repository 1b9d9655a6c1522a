import { AGENT_EVENT } from '../../shared/agents/agent-events.js';
import { requireAgent } from '../../shared/agents/agent-store.js';
import type { AgentStore } from '../../shared/agents/agent-store-contract.js';
import type { StreamTailer } from '../../shared/events/stream-tailer.js';

/**
 * Whether a message's recipient exists, answered from memory per API node (`POST
 * /api/messages` checks every direct recipient: 404 `ERROR_CODE.agentNotFound` when it does not).
 *
 * An agent found in the store is remembered as existing for at most KNOWN_MS from the moment
 * that read was sent; after that the next send to it reads the store again. An `agent.deleted`
 * event (the node follows the event stream) forgets it as it arrives, normally within
 * milliseconds. An agent not found is never remembered: every send to it is checked, so one
 * created a moment ago is found at once.
 *
 * The bound (docs/PERFORMANCE.md): a send to an agent deleted less than KNOWN_MS before may be
 * accepted (202) instead of refused (404). Routing then does with it what it does today with a
 * message whose recipient is deleted between acceptance and routing (a window this widens from
 * milliseconds to at most KNOWN_MS): it is logged and put in that id's inbox, where no process
 * takes it (workers/messages/route-handler.ts resolves a direct recipient without reading the
 * store).
 */
export const KNOWN_MS = 1000;
const MAX_KNOWN = 10_000;

export interface KnownAgents {
  /** throws `AgentNotFoundError` (404) unless `agentId` exists, within the bound above */
  require(agentId: string): Promise<void>;
}

export function createKnownAgents(store: AgentStore, tailer?: StreamTailer, now: () => number = Date.now): KnownAgents {
  /** agent id → when the read that found it was sent */
  const known = new Map<string, number>();
  // for the life of the node (the tailer's)
  tailer?.onEvent(
    (event) => {
      if (event.agentId) known.delete(event.agentId);
    },
    (type) => type === AGENT_EVENT.deleted,
  );
  return {
    async require(agentId) {
      const at = known.get(agentId);
      if (at !== undefined && now() - at < KNOWN_MS) return;
      const sentAt = now();
      await requireAgent(store, agentId);
      if (known.size >= MAX_KNOWN) known.clear();
      known.set(agentId, sentAt);
    },
  };
}
