import type { RequestHandler } from 'express';
import { RateLimitedError } from '../../shared/errors/service-errors.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import { bearerOf } from '../hosts/host-auth.js';
import type { HostCredentialIssuer } from '../hosts/host-credential-issuer.js';
import { createRateLease } from '../http/rate-lease.js';

/**
 * How the served mirror's git requests are counted (docs/WORKTREES.md, "Movable"): a host
 * fetches and pushes every agent it runs, several smart-HTTP requests each, so its git
 * requests count against a limit of their own, per host credential — `rate_limit.git_max`
 * per `rate_limit.window_ms`, shared by every API node (rate-lease.ts) — and never against
 * its address's general limit, which its other calls (joining, agents' tokens) and every
 * anonymous client behind that address need.
 *
 * Only a request whose credential verifies is counted so: one that does not is counted
 * against the general per-address limit, as before, and answered with its 401 (or that
 * limit's 429). The verified record is kept for the route (`hostCredentialOf`), so the
 * credential is checked once.
 */
export function gitRequestLimit(ctx: NoxContext, issuer: HostCredentialIssuer): (general: RequestHandler) => RequestHandler {
  const { git_max: limit, window_ms: windowMs } = ctx.config.rate_limit;
  const counts = createRateLease(ctx.redis, limit, windowMs);
  const prefix = ctx.keys.rateLimit('git');
  return (general) => (req, res, next) => {
    issuer.authenticate(bearerOf(req)).then(
      async (record) => {
        res.locals.hostCredential = record;
        const counted = await counts.hit(`${prefix}c:${record.id}`);
        if (!counted.allowed) return next(new RateLimitedError(Math.max(1, Math.ceil(counted.resetMs / 1000)), `Too many git requests from host credential ${record.id} (rate_limit.git_max ${limit} per window); slow down`));
        next();
      },
      (err: unknown) => general(req, res, (limited?: unknown) => next(limited ?? err)),
    ).catch(next);
  };
}
