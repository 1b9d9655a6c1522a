import { createAgentRequestStore } from '../agents/agent-requests.js';
import { agentStoreFor } from '../agents/agent-store.js';
import type { AgentRequestDeps } from './agent-request-settle.js';
import { approvalsFor } from './approvals.js';
import type { NoxContext } from '../runtime/context.js';

/** What acting on agent requests needs in a process context (one set per context). */
const cache = new WeakMap<NoxContext, AgentRequestDeps>();

export function agentRequestDepsFor(ctx: NoxContext): AgentRequestDeps {
  let deps = cache.get(ctx);
  if (!deps) {
    deps = {
      approvals: approvalsFor(ctx),
      agents: agentStoreFor(ctx),
      requests: createAgentRequestStore(ctx.redis, ctx.keys),
      logger: ctx.logger.child({ component: 'agent-requests' }),
    };
    cache.set(ctx, deps);
  }
  return deps;
}
