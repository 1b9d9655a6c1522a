import type { Redis } from 'ioredis';
import type { Keys } from '../keys.js';
import type { NoxContext } from '../runtime/context.js';

/**
 * Token revocation (DESIGN.md, "Containment": tokens can be revoked; an agent's die with it).
 *
 * - **One token** (logout): `revokedToken(jti)` is set until the token's own expiry, so the
 *   store never holds more than the live tokens someone logged out of.
 * - **Every token of an agent** (stopped for good, failed, deleted): the agent's *token
 *   epoch* (a field of one hash) goes up by one; a token carries the epoch it was minted at
 *   (`ep`), and one minted below the current epoch is revoked. The worker reads the epoch
 *   when it mints the token of a new start, so a start right after a stop — the same
 *   millisecond included — gets a token that works, and nothing depends on clocks. Epochs
 *   are kept without expiry: an agent token can be minted with any lifetime (`nox token
 *   --ttl`), and forgetting an epoch would bring its revoked tokens back. One small hash
 *   field per agent id ever stopped.
 *
 * An API node answers both from memory, read again from Redis at most a second old and
 * updated by the events (api/http/revocation-memory.ts). Each revocation is an event on the
 * stream (AUTH_EVENT), so every API node refuses the token and closes the Socket.IO
 * connections of the revoked tokens as it arrives; these events are internal and never sent
 * to clients (api/socket/rooms.ts). The process that revokes also tells its own API node at
 * once (noteLocalRevocation).
 */
export const AUTH_EVENT = {
  /** `data: { jti }`: one token was revoked */
  tokenRevoked: 'auth.token-revoked',
  /** `agentId`, `data: { epoch, reason }`: every token of the agent minted below `epoch` was revoked */
  agentTokensRevoked: 'auth.agent-tokens-revoked',
} as const;

export interface TokenRevokedData {
  jti: string;
}

export interface AgentTokensRevokedData {
  epoch: number;
  reason: string;
}

/** A revocation made by this process, as the API node's memory of verdicts takes it. */
export type LocalRevocation = { jti: string } | { agentId: string; epoch: number } | { hostCredential: string };
type LocalListener = (revocation: LocalRevocation) => void;
const localListeners = new WeakMap<object, Set<LocalListener>>();

/**
 * Listens to the revocations made through `ctx` in this process, so the API node that
 * revokes refuses at once, without waiting for the event (api/http/revocation-memory.ts).
 */
export function onLocalRevocation(ctx: object, listener: LocalListener): () => void {
  const set = localListeners.get(ctx) ?? new Set<LocalListener>();
  localListeners.set(ctx, set);
  set.add(listener);
  return () => set.delete(listener);
}

/** Tells this process's listeners of `ctx` (onLocalRevocation) about a revocation just written to Redis. */
export function noteLocalRevocation(ctx: object, revocation: LocalRevocation): void {
  for (const listener of localListeners.get(ctx) ?? []) listener(revocation);
}

/** Revokes one token until it expires (logout). An expired token needs nothing. */
export async function revokeToken(ctx: NoxContext, token: { jti: string; exp: number }): Promise<void> {
  const ms = token.exp * 1000 - Date.now();
  if (ms <= 0) return;
  await ctx.redis.set(ctx.keys.revokedToken(token.jti), '1', 'PX', ms);
  noteLocalRevocation(ctx, { jti: token.jti });
  await ctx.events.publish<TokenRevokedData>({ type: AUTH_EVENT.tokenRevoked, data: { jti: token.jti } });
}

/** The epoch a token minted now for the agent must carry (0 until it is first revoked). */
export async function agentTokenEpoch(redis: Redis, keys: Keys, agentId: string): Promise<number> {
  const value = await redis.hget(keys.agentTokenEpochs(), agentId);
  return value ? Number(value) : 0;
}

/** Revokes every token the agent holds; its next start mints one that works. Returns the new epoch. */
export async function revokeAgentTokens(ctx: NoxContext, agentId: string, reason: string): Promise<number> {
  const epoch = await ctx.redis.hincrby(ctx.keys.agentTokenEpochs(), agentId, 1);
  noteLocalRevocation(ctx, { agentId, epoch });
  await ctx.events.publish<AgentTokensRevokedData>({ type: AUTH_EVENT.agentTokensRevoked, agentId, data: { epoch, reason } });
  return epoch;
}
