import type { Request, Response } from 'express';

/**
 * Sends JSON already serialised, as Express's `res.send` would for a JSON body with the
 * answer's `ETag` either set by the route or not wanted, but handed to Node as one string.
 *
 * Why: `res.send` turns a body of 1,000 characters or more (and any body it makes an ETag
 * for) into a Buffer, and Node writes a Buffer body after the headers as a second chunk (a
 * `writev`), where a string body is joined to the headers and written once. The profile of
 * `POST /api/messages` showed writev ~7 % and the ETag's SHA-1 of every 202 besides — an
 * ETag no client can use on a POST (only GET and HEAD are conditional).
 *
 * A GET or HEAD is still answered 304 when the request is fresh (`req.fresh`: its
 * If-None-Match names the ETag the route set), with no body, as `res.send` does.
 */
export function sendJsonText(req: Request, res: Response, text: string): void {
  if ((req.method === 'GET' || req.method === 'HEAD') && req.fresh) {
    res.status(304).end();
    return;
  }
  // a type the route set is Express's to finish (its charset)
  if (res.getHeader('Content-Type') !== undefined) {
    res.send(text);
    return;
  }
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  if (req.method === 'HEAD') res.end();
  else res.end(text);
}
