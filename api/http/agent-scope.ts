import { NotOwnAgentError } from '../../shared/errors/auth-errors.js';
import type { Principal } from '../../shared/types.js';

/**
 * What an agent token may reach (docs/API.md, "What an agent token can do"; DESIGN.md,
 * "Containment"): an agent acts as itself and reads only what is its own. People are not
 * scoped here — their roles are checked by the route declaration.
 */

/**
 * The agent an agent token speaks for; undefined for people. An agent token without its id
 * is refused at authentication (auth.ts); were one to get here it would own nothing (`''`
 * names no agent), never fall back to a person's reach.
 */
export function ownAgent(principal: Principal | undefined): string | undefined {
  return principal?.role === 'agent' ? (principal.agentId ?? '') : undefined;
}

/** 403 `ERROR_CODE.notOwnAgent` when an agent token names another agent's `what` (people pass). */
export function onlySelf(principal: Principal | undefined, agentId: string, what: string): void {
  const me = ownAgent(principal);
  if (me !== undefined && me !== agentId) throw new NotOwnAgentError(me, agentId, what);
}
