import { agentTokenEpoch } from '../../shared/auth/revocation.js';
import { signToken } from '../../shared/auth/tokens.js';
import { ownerOf } from '../../shared/agents/runtime-state.js';
import { ERROR_CODE } from '../../shared/errors/codes.js';
import { AgentNotOnHostError, HostCredentialError } from '../../shared/errors/host-credential-errors.js';
import type { HostCredentialRecord } from '../../shared/hosts/host-credential.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import { ttlMs } from './host-credential-issuer.js';

/**
 * An agent's token for the host that runs it (docs/HOSTS.md, "Joining a host"): the API mints
 * it with its own key, so the host never holds that key. Only for an agent placed on that very
 * host — the agent's owner (the atomic claim a host makes before it starts the agent,
 * shared/agents/runtime-state.ts claimAgent) is the credential's host — and with the agent's
 * token epoch now, so a stop revokes it as it revokes every agent token. The token names the
 * credential (`hc`): revoking the credential revokes it (api/http/request-guard.ts). It lives
 * `agent.token_ttl`, and never past the credential's own expiry.
 */
export interface GrantedToken {
  token: string;
  expiresAt: string;
}

export async function grantAgentToken(ctx: NoxContext, signingSecret: string, credential: HostCredentialRecord, agentId: string): Promise<GrantedToken> {
  const hostId = credential.hostId;
  if (!hostId) throw new HostCredentialError(ERROR_CODE.hostCredentialInvalid, `Host credential ${credential.id} has not joined yet: POST /api/host/join first`);
  const owner = await ownerOf(ctx.redis, ctx.keys, agentId);
  if (owner !== hostId) throw new AgentNotOnHostError(agentId, hostId, owner);
  const epoch = await agentTokenEpoch(ctx.redis, ctx.keys, agentId);
  let lifeMs = ttlMs(ctx.config.agent.token_ttl);
  if (credential.expiresAt) lifeMs = Math.min(lifeMs, Date.parse(credential.expiresAt) - Date.now());
  const seconds = Math.max(1, Math.floor(lifeMs / 1000));
  const token = signToken(signingSecret, { sub: agentId, role: 'agent', agentId }, { expiresIn: seconds, epoch, hostCredential: credential.id });
  return { token, expiresAt: new Date(Date.now() + seconds * 1000).toISOString() };
}
