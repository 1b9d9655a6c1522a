import type { Request, RequestHandler } from 'express';
import { errorFields, type Logger } from '../../shared/logger.js';
import type { Principal } from '../../shared/types.js';
import { requester } from '../http/requester.js';
import type { AuditLog, AuditOutcome } from './audit-log.js';

/**
 * Records one audit entry per state-changing request (every method but GET, HEAD and
 * OPTIONS) when its answer is written — so a refused or failed attempt is recorded as well as
 * a done one, with who asked (the principal the token proved, or `anonymous`), the route, the
 * path, the outcome and the correlation id. Mounted before authentication, so a request the
 * token check turns away is recorded too (as `denied`).
 *
 * `actorOf` names the actor of a public route that has none yet (a login: the user name tried).
 */
export function auditRecorder(log: AuditLog, routeTemplate: string, logger: Logger, actorOf?: (req: Request) => string | undefined): RequestHandler {
  return (req, res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return next();
    // read now: by 'finish' a `Connection: close` answer (an upload refused mid-stream) has detached the socket
    const address = req.ip ?? req.socket.remoteAddress ?? '';
    res.once('finish', () => {
      const principal = res.locals.principal as Principal | undefined;
      const named = principal ? undefined : actorOf?.(req);
      log
        .record({
          at: new Date().toISOString(),
          // a user name never holds ':'; a host route names its credential as `host-credential:<id>`
          actor: principal ? requester(principal) : named ? (named.includes(':') ? named : `user:${named}`) : 'anonymous',
          role: principal?.role ?? 'none',
          action: `${req.method} ${routeTemplate}`,
          target: req.originalUrl.split('?')[0] ?? req.originalUrl,
          outcome: outcomeOf(res.statusCode),
          status: res.statusCode,
          correlationId: (res.locals.correlationId as string | undefined) ?? '',
          address,
        })
        .catch((err: unknown) => logger.error('audit entry lost', { ...errorFields(err), method: req.method, path: req.originalUrl }));
    });
    next();
  };
}

function outcomeOf(status: number): AuditOutcome {
  if (status < 400) return 'ok';
  if (status === 401 || status === 403) return 'denied';
  if (status < 500) return 'refused';
  return 'failed';
}
