import type { Request, RequestHandler, Response } from 'express';
import type { HostCredentialRecord } from '../../shared/hosts/host-credential.js';
import { parseHostCredential } from '../../shared/hosts/host-credential.js';
import type { HostCredentialIssuer } from './host-credential-issuer.js';

/**
 * The host routes' own authentication (`/api/host/...`): `Authorization: Bearer noxh_…`, a
 * host credential and nothing else — no JWT (an agent's or a person's token never acts as a
 * host) and no cookie. Runs after the route's per-address limit; the record it verified is
 * `hostCredentialOf(res)`.
 */
export function bearerOf(req: Request): string | undefined {
  const header = req.headers.authorization;
  return header && /^bearer /i.test(header) ? header.slice(7).trim() : undefined;
}

export function hostAuthentication(issuer: HostCredentialIssuer): RequestHandler {
  return (req, res, next) => {
    issuer.authenticate(bearerOf(req)).then((record) => {
      res.locals.hostCredential = record;
      next();
    }, next);
  };
}

export function hostCredentialOf(res: Response): HostCredentialRecord {
  const record = res.locals.hostCredential as HostCredentialRecord | undefined;
  if (!record) throw new Error('host route without hostAuthentication');
  return record;
}

/** The audit trail's actor of a host route: the credential id the request showed (verified or not). */
export function hostActor(req: Request): string | undefined {
  const id = parseHostCredential(bearerOf(req))?.id;
  return id ? `host-credential:${id}` : undefined;
}
