import { sameSecret } from '../../shared/auth/constant-time.js';
import { readIssuedToken, signToken, verifyToken, type VerifiedToken } from '../../shared/auth/tokens.js';
import type { NoxConfig } from '../../shared/config/schema.js';
import { UnauthenticatedError } from '../../shared/errors/auth-errors.js';
import { ERROR_CODE } from '../../shared/errors/codes.js';
import { parseHostCredential } from '../../shared/hosts/host-credential.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import { HostApiError, type HostApi } from './host-api.js';

/**
 * Where a worker host gets each agent's token (DESIGN.md, "Many machines"; docs/HOSTS.md,
 * "Joining a host"), and how it checks one shown on the agent's MCP endpoints:
 *
 * - **signing key** (`auth.jwt_secret`; `nox up`'s host, and any host given the key): mints
 *   the token itself and verifies by signature.
 * - **host credential** (`worker.host_token`): asks the API for the token of each agent it
 *   starts (the API mints it only for an agent placed on this host) and holds no key that
 *   mints anything; it verifies a token by comparing it with the one the API gave it for
 *   that agent — the only one that agent should ever show here.
 *
 * One source per worker context (`agentTokensFor(ctx)`), set by the worker assembly; the
 * default is the signing key of the context's config.
 */
export interface AgentTokenSource {
  readonly kind: 'signing-key' | 'host-credential';
  /** a token for the agent's start; `epoch`: its token epoch now (the API reads it itself) */
  mint(agentId: string, epoch: number): Promise<string>;
  /** who a token shown on this host for `agentId` speaks for; throws a 401 NoxError */
  verify(agentId: string, token: string): VerifiedToken;
}

/**
 * The agent's own token (role agent), for the API and the Nox tools server; a new one at every
 * start. It carries the agent's current token epoch: stopping or deleting the agent raises
 * the epoch, and every token minted before dies (shared/auth/revocation.ts).
 */
export function mintAgentToken(config: NoxConfig, agentId: string, epoch = 0): string {
  const secret = config.auth.jwt_secret;
  if (!secret) throw new Error('auth.jwt_secret is not configured; agents need their own scoped token');
  return signToken(secret, { sub: agentId, role: 'agent', agentId }, { expiresIn: config.agent.token_ttl, epoch });
}

export function signingKeySource(config: NoxConfig): AgentTokenSource {
  return {
    kind: 'signing-key',
    mint: async (agentId, epoch) => mintAgentToken(config, agentId, epoch),
    verify: (_agentId, token) => {
      const secret = config.auth.jwt_secret;
      // Without the key nothing verifies: say so rather than let every agent look forged.
      if (!secret) throw new UnauthenticatedError('This host has no auth.jwt_secret to verify agent tokens with', ERROR_CODE.invalidToken);
      return verifyToken(secret, token);
    },
  };
}

/**
 * `onRefused`: the API refused the credential itself (revoked, expired): the host must stop
 * taking work (credential-watch.ts) rather than keep failing its agents' starts.
 */
export function hostCredentialSource(api: HostApi, onRefused: (err: HostApiError) => void): AgentTokenSource {
  const issued = new Map<string, string>();
  return {
    kind: 'host-credential',
    async mint(agentId) {
      try {
        const { token } = await api.agentToken(agentId);
        issued.set(agentId, token);
        return token;
      } catch (err) {
        if (err instanceof HostApiError && err.credentialRefused) onRefused(err);
        throw err;
      }
    },
    verify(agentId, token) {
      const given = issued.get(agentId);
      if (!given || !sameSecret(given, token)) throw new UnauthenticatedError(`Not the token this host was given for agent ${agentId}`, ERROR_CODE.invalidToken);
      return readIssuedToken(token);
    },
  };
}

const perContext = new WeakMap<NoxContext, AgentTokenSource>();

export function useAgentTokens(ctx: NoxContext, source: AgentTokenSource): void {
  perContext.set(ctx, source);
}

export function agentTokensFor(ctx: NoxContext): AgentTokenSource {
  let source = perContext.get(ctx);
  if (!source) perContext.set(ctx, (source = signingKeySource(ctx.config)));
  return source;
}

/** What a host's registration says of its tokens, from the config it loaded (HostInfo). */
export function hostAuthOf(config: NoxConfig): { agentTokens: 'signing-key' | 'host-credential'; signingKey: boolean; credentialId?: string } {
  const credential = parseHostCredential(config.worker.host_token);
  return {
    agentTokens: credential ? 'host-credential' : 'signing-key',
    signingKey: config.auth.jwt_secret !== undefined,
    ...(credential ? { credentialId: credential.id } : {}),
  };
}
