import { existsSync } from 'node:fs';
import path from 'node:path';
import cookieParser from 'cookie-parser';
import express, { type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import { projectRoot } from '../shared/runtime/version.js';
import { createAuditLog } from './audit/audit-log.js';
import { auditRecorder } from './audit/audit-recorder.js';
import { BULL_BOARD_PATH, createBoards } from './bull-board.js';
import type { ApiDeps } from './deps.js';
import { createAuthenticator, PEOPLE, requireRole } from './http/auth.js';
import { correlation } from './http/correlation.js';
import { warnForwardedWithoutTrust } from './http/proxy-warning.js';
import { errorHandler, notFoundHandler } from './http/problem.js';
import { redisRateLimit } from './http/rate-limit.js';
import type { RequestGuard } from './http/request-guard.js';
import { toHandlers, type RouteSpec } from './http/route.js';
import { registerFleetGauges } from './metrics/fleet-gauges.js';
import { httpMetrics } from './metrics/http-metrics.js';
import { metricsRoute } from './metrics/metrics-route.js';
import { buildOpenApi } from './openapi.js';
import { httpSpan } from './tracing/http-span.js';
import { allRoutes } from './routes/index.js';
import { fileUserDirectory, type UserDirectory } from './users.js';

/**
 * The Express app, built from its parts; no listening here (api/server.ts does that), so
 * tests and benchmarks can mount it as they need.
 */
export interface AppOptions {
  secret: string;
  users?: UserDirectory;
  /** routes added on top of api/routes/index.ts (tests, embedding) */
  extraRoutes?: (deps: ApiDeps) => RouteSpec[];
  /** folder of the built dashboard; default dashboard/dist when it exists */
  dashboardDir?: string;
}

export interface BuiltApp {
  app: Express;
  routes: RouteSpec[];
  /** the token checks of this app's requests, for the Socket.IO handshake (one bad-token memory for both) */
  guard: RequestGuard;
}

export function createApp(deps: ApiDeps, options: AppOptions): BuiltApp {
  const { config, logger, redis, keys } = deps.ctx;
  const log = logger.child({ component: 'api' });
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.api.trust_proxy);

  const { authenticate, guard } = createAuthenticator(deps.ctx, options.secret, deps.tailer);
  // anonymous requests (public routes), per IP; an authenticated one is counted per principal by `authenticate`
  const limit = redisRateLimit({ redis, prefix: keys.rateLimit('api'), windowMs: config.rate_limit.window_ms, limit: config.rate_limit.max, key: 'ip' });
  const routes = [
    ...allRoutes(deps, options.users ?? fileUserDirectory(config), options.secret),
    ...(options.extraRoutes?.(deps) ?? []),
  ];
  const openapi = buildOpenApi(routes);

  app.use(correlation(log));
  app.use(httpMetrics(deps.ctx.metrics));
  app.use(httpSpan());
  const proxyWarning = warnForwardedWithoutTrust(config.api.trust_proxy, log);
  if (proxyWarning) app.use(proxyWarning);
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          'script-src': ["'self'"],
          'style-src': ["'self'", "'unsafe-inline'"],
          'img-src': ["'self'", 'data:'],
          'connect-src': ["'self'", 'ws:', 'wss:'],
        },
      },
    }),
  );
  app.use(cookieParser());

  app.get('/health', (_req, res) => {
    // pid: which API node answered (`nox api --workers N` runs several behind one port)
    res.json({ status: 'ok', uptimeSeconds: Math.round((Date.now() - deps.startedAt) / 1000), pid: process.pid });
  });

  registerFleetGauges(deps.ctx);
  app.get('/metrics', metricsRoute(deps.ctx));

  app.use('/api', express.json({ limit: config.api.body_limit, strict: true }));
  app.get('/api/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  const auditLog = createAuditLog(deps.ctx);
  const audit = (spec: RouteSpec): RequestHandler => auditRecorder(auditLog, spec.path, log, spec.auditActor);
  for (const route of routes) app[route.method](route.path, ...toHandlers(route, authenticate, limit, audit));
  app.use('/api', notFoundHandler);

  const boards = createBoards(deps.ctx);
  // bull-board's page has inline bootstrap scripts; relax the CSP for that path only.
  const boardCsp: RequestHandler = (_req, res, next) => {
    res.setHeader('Content-Security-Policy', "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline' https:; img-src 'self' data:; font-src 'self' data: https:");
    next();
  };
  const browserToLogin: RequestHandler = (req, res, next) => {
    if (!req.cookies?.nox_token && !req.get('authorization') && req.accepts(['html', 'json']) === 'html') {
      return res.redirect(302, `/login?next=${encodeURIComponent(req.originalUrl)}`);
    }
    next();
  };
  // `authenticate` also refuses bull-board's changes (retry, clean, pause...) sent cross-site with the cookie
  app.use(BULL_BOARD_PATH, auditRecorder(auditLog, BULL_BOARD_PATH, log), browserToLogin, authenticate, requireRole(PEOPLE), boardCsp, boards.handler);

  mountDashboard(app, options.dashboardDir ?? path.join(projectRoot(), 'dashboard', 'dist'));
  app.use(notFoundHandler);
  app.use(errorHandler(log));
  return { app, routes, guard };
}

/** Serves the built dashboard with a single-page-app fallback for its client-side routes. */
function mountDashboard(app: Express, dir: string): void {
  if (!existsSync(path.join(dir, 'index.html'))) return;
  app.use(express.static(dir, { index: false, maxAge: '1h' }));
  app.get(/^\/(?!api\/|admin\/|socket\.io\/|health$|metrics$).*/, (req, res, next) => {
    if (req.method !== 'GET' || !req.accepts('html')) return next();
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(path.join(dir, 'index.html'));
  });
}
