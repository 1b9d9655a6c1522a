import type { Request, RequestHandler } from 'express';
import { METRIC } from '../../shared/metrics/catalogue.js';
import type { NoxMetrics } from '../../shared/metrics/nox-metrics.js';
import { BULL_BOARD_PATH } from '../bull-board.js';

/**
 * Every answered request on `nox_http_requests_total` and `nox_http_request_duration_seconds`,
 * labelled by the ROUTE TEMPLATE (`/api/agents/:id`), never the path: one series per route,
 * however many agents there are. What matched no route is `(unmatched)`; bull-board and the
 * dashboard's files are one label each.
 */
export function httpMetrics(metrics: NoxMetrics): RequestHandler {
  const requests = metrics.counter(METRIC.httpRequests);
  const duration = metrics.histogram(METRIC.httpDuration);
  return (req, res, next) => {
    const t0 = process.hrtime.bigint();
    res.once('finish', () => {
      const route = routeLabel(req);
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      requests.inc({ method: req.method, route, status: String(res.statusCode) });
      duration.observe({ method: req.method, route }, seconds);
    });
    next();
  };
}

/** The route's template (`/api/agents/:id`), or one label for bull-board, the dashboard's files, and what matched nothing. */
export function routeLabel(req: Request): string {
  const template = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof template === 'string') return `${req.baseUrl}${template}`;
  const url = req.originalUrl;
  if (url.startsWith(BULL_BOARD_PATH)) return BULL_BOARD_PATH;
  if (url.startsWith('/api/')) return '(unmatched)';
  return req.method === 'GET' ? '(dashboard)' : '(unmatched)';
}
