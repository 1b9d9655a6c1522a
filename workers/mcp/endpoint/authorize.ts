import { ForbiddenError, UnauthenticatedError } from '../../../shared/errors/auth-errors.js';
import { ERROR_CODE } from '../../../shared/errors/codes.js';
import type { VerifiedToken } from '../../../shared/auth/tokens.js';

/**
 * Who may use an agent's MCP endpoint: the holder of a token that verifies — by signature,
 * issuer and expiry with `auth.jwt_secret`, or, on a host that joined with a host credential,
 * as the very token the API gave this host for the agent (`verify`:
 * workers/host-credential/agent-token-source.ts) — with role `agent` for that very agent.
 * Throws the NoxError to report otherwise: ERROR_CODE.unauthenticated (no token),
 * .invalidToken, .tokenExpired, .tokenRevoked (minted before the agent's last stop),
 * .forbidden (a person's token, another agent's token).
 */
export async function authorizeAgentToken(verify: (token: string) => VerifiedToken, token: string | undefined, agentId: string, currentEpoch?: () => Promise<number>): Promise<void> {
  if (!token) throw new UnauthenticatedError('No token: the first line on an MCP endpoint must be the agent’s token');
  const { principal, epoch } = verify(token);
  if (principal.role !== 'agent' || principal.agentId !== agentId) {
    throw new ForbiddenError(`This MCP endpoint belongs to agent ${agentId}; the token is ${principal.role === 'agent' ? `agent ${principal.agentId}’s` : `a ${principal.role}’s`}`);
  }
  // a token from before the agent's last stop (shared/auth/revocation.ts) opens nothing
  if (currentEpoch && epoch < (await currentEpoch())) throw new UnauthenticatedError(`agent ${agentId}'s token was revoked`, ERROR_CODE.tokenRevoked);
}
