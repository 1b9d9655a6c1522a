import type { Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import { ValidationError, type FieldIssue } from '../../shared/errors/validation-error.js';
import type { Logger } from '../../shared/logger.js';
import type { Principal, Role } from '../../shared/types.js';
import { requireRole } from './auth.js';
import { sendJsonText } from './json-answer.js';

/**
 * A route is declared once: its method, path, roles and zod schemas. The same declaration
 * validates requests, checks roles, and becomes the OpenAPI document (api/openapi.ts),
 * so the docs cannot drift from what the server accepts.
 */
export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface RouteInput<B, Q, P> {
  body: B;
  query: Q;
  params: P;
  principal: Principal | undefined;
  correlationId: string;
  logger: Logger;
}

export interface ResponseSpec {
  description: string;
  schema?: z.ZodType;
}

export interface RouteSpec<B = unknown, Q = unknown, P = unknown> {
  method: Method;
  /** Express path, e.g. `/api/agents/:id` */
  path: string;
  summary: string;
  tag: string;
  /** roles allowed, or `public` (no token needed) */
  auth: readonly Role[] | 'public';
  body?: z.ZodType<B>;
  query?: z.ZodType<Q>;
  params?: z.ZodType<P>;
  /** status of a successful answer; default 200 */
  status?: number;
  responses?: Record<number, ResponseSpec>;
  /** extra middleware that runs after auth and before validation (e.g. a stricter rate limit) */
  before?: RequestHandler[];
  /** on a public route, what counts its requests instead of the general per-address limit (given it, to fall back on) */
  publicLimit?: (general: RequestHandler) => RequestHandler;
  /** on a public route that changes state, who the audit trail names (a login: the user name tried) */
  auditActor?: (req: Request) => string | undefined;
  /** returns the JSON body; may use `res` for headers or cookies */
  handler: (input: RouteInput<B, Q, P>, req: Request, res: Response) => Promise<unknown>;
}

/** Keeps the generic types of one route together (an identity function for inference). */
export function defineRoute<B = undefined, Q = undefined, P = undefined>(spec: RouteSpec<B, Q, P>): RouteSpec {
  return spec as unknown as RouteSpec;
}

function issuesOf(error: z.ZodError, where: string): FieldIssue[] {
  return error.issues.map((i) => ({
    path: [where, ...i.path.map(String)].join('.'),
    message: i.message,
    code: i.code,
  }));
}

function validate<T>(schema: z.ZodType<T> | undefined, value: unknown, where: string, issues: FieldIssue[]): T {
  if (!schema) return undefined as T;
  const result = schema.safeParse(value ?? (where === 'body' ? undefined : {}));
  if (result.success) return result.data;
  issues.push(...issuesOf(result.error, where));
  return undefined as T;
}

/**
 * The Express handlers of one route: auth (which also counts the principal's rate limit from
 * a lease of hits held in memory and asks the revocation memory, neither normally a Redis
 * call: request-guard.ts) and role check — or, on a public route, the per-IP `limit` — then
 * extra middleware, validation, handler.
 */
export function toHandlers(spec: RouteSpec, authenticate: RequestHandler, limit: RequestHandler, audit?: (spec: RouteSpec) => RequestHandler): RequestHandler[] {
  const run: RequestHandler = async (req, res) => {
    const issues: FieldIssue[] = [];
    const body = validate(spec.body, req.body, 'body', issues);
    const query = validate(spec.query, req.query, 'query', issues);
    const params = validate(spec.params, req.params, 'params', issues);
    if (issues.length > 0) throw new ValidationError(`The request is invalid: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`, issues);
    const result = await spec.handler(
      {
        body,
        query,
        params,
        principal: res.locals.principal as Principal | undefined,
        correlationId: res.locals.correlationId as string,
        logger: res.locals.logger as Logger,
      },
      req,
      res,
    );
    if (res.headersSent) return;
    const status = spec.status ?? 200;
    if (result === undefined || status === 204) res.status(status).end();
    // a GET's answer gets Express's ETag (conditional requests); a change's needs none
    else if (req.method === 'GET' || req.method === 'HEAD') res.status(status).json(result);
    else sendJsonText(req, res.status(status), JSON.stringify(result));
  };
  const guard = spec.auth === 'public' ? [spec.publicLimit ? spec.publicLimit(limit) : limit] : [authenticate, requireRole(spec.auth)];
  // the audit recorder first: a request turned away by the token check is recorded too
  return [...(audit ? [audit(spec)] : []), ...guard, ...(spec.before ?? []), run];
}
