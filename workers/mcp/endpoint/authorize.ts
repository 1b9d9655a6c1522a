import { ForbiddenError, UnauthenticatedError } from '../../../shared/errors/auth-errors.js';
import { ERROR_CODE } from '../../../shared/errors/codes.js';
import { verifyToken } from '../../../shared/auth/tokens.js';

/**
 * Who may use an agent's MCP endpoint: the holder of a token that verifies (signature,
 * issuer, expiry; `auth.jwt_secret`) with role `agent` for that very agent. Throws the
 * NoxError to report otherwise: ERROR_CODE.unauthenticated (no token), .invalidToken,
 * .tokenExpired, .tokenRevoked (minted before the agent's last stop), .forbidden (a person's
 * token, another agent's token).
 */
export async function authorizeAgentToken(jwtSecret: string | undefined, token: string | undefined, agentId: string, currentEpoch?: () => Promise<number>): Promise<void> {
  if (!token) throw new UnauthenticatedError('No token: the first line on an MCP endpoint must be the agent’s token');
  // Without the key nothing verifies: say so rather than let every agent look forged.
  if (!jwtSecret) throw new UnauthenticatedError('This host has no auth.jwt_secret to verify agent tokens with', ERROR_CODE.invalidToken);
  const { principal, epoch } = verifyToken(jwtSecret, token);
  if (principal.role !== 'agent' || principal.agentId !== agentId) {
    throw new ForbiddenError(`This MCP endpoint belongs to agent ${agentId}; the token is ${principal.role === 'agent' ? `agent ${principal.agentId}’s` : `a ${principal.role}’s`}`);
  }
  // a token from before the agent's last stop (shared/auth/revocation.ts) opens nothing
  if (currentEpoch && epoch < (await currentEpoch())) throw new UnauthenticatedError(`agent ${agentId}'s token was revoked`, ERROR_CODE.tokenRevoked);
}
