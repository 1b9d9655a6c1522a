import type { RequestHandler } from 'express';
import type { Logger } from '../../shared/logger.js';

/**
 * Behind a proxy with `api.trust_proxy = 0`, Express sees the proxy's address as every
 * client's: all of them share one per-IP bucket (login attempts, anonymous requests, bad
 * tokens), so one client can lock the others out, and `Secure` cookies and the same-origin
 * check see the proxy's scheme and host. A request carrying X-Forwarded-For gives that
 * away: said once in the log (docs/CONFIGURATION.md, `[api] trust_proxy`).
 */
export function warnForwardedWithoutTrust(trustProxy: number, logger: Logger): RequestHandler | undefined {
  if (trustProxy > 0) return undefined;
  let warned = false;
  return (req, _res, next) => {
    if (!warned && req.headers['x-forwarded-for'] !== undefined) {
      warned = true;
      logger.warn(
        'requests arrive through a proxy (X-Forwarded-For) but api.trust_proxy is 0: every client shares the proxy’s address, so per-IP limits count them all as one. Set api.trust_proxy to the number of proxies in front of the API',
        { path: req.path },
      );
    }
    next();
  };
}
