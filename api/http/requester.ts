import type { Principal } from '../../shared/types.js';

/**
 * Who asked, as jobs, events and registry commits record it: `agent:<id>` for an agent
 * token, `user:<name>` for a person, `anonymous` on a public route.
 */
export function requester(principal: Principal | undefined): string {
  if (!principal) return 'anonymous';
  return principal.role === 'agent' ? `agent:${principal.agentId}` : `user:${principal.sub}`;
}
