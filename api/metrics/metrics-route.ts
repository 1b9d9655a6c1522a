import type { RequestHandler } from 'express';
import { MetricsForbiddenError } from '../../shared/errors/auth-errors.js';
import { scrapeAccess } from '../../shared/metrics/scrape-access.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import { problemFor, sendProblem } from '../http/problem.js';

/**
 * `GET /metrics`: Prometheus's text exposition of this API node (its requests, sockets) and
 * of the fleet (queues, agents, approvals, read from Redis now). Outside Nox's JWT: a scraper
 * at an allowed address or with the scrape token (shared/metrics/scrape-access.ts).
 */
export function metricsRoute(ctx: NoxContext): RequestHandler {
  const access = scrapeAccess(ctx.config.metrics);
  return (req, res, next) => {
    if (!access.allowed(req.socket.remoteAddress, req.get('authorization'))) {
      sendProblem(res, problemFor(new MetricsForbiddenError(), req.originalUrl));
      return;
    }
    ctx.metrics.scrape().then((text) => {
      res.setHeader('Content-Type', ctx.metrics.contentType);
      res.setHeader('Cache-Control', 'no-store');
      res.send(text);
    }, next);
  };
}
