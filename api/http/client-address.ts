import type { IncomingHttpHeaders } from 'node:http';
import type { Request } from 'express';
import { ipKeyGenerator } from 'express-rate-limit';

/**
 * The client's address as per-address limits count it: Express's `req.ip` (which follows
 * `api.trust_proxy` hops of X-Forwarded-For), with an IPv6 address widened to its /56 so
 * one host cannot dodge a limit by walking its own subnet.
 */
export function clientKey(req: Request): string {
  return ipKeyGenerator(req.ip ?? 'unknown');
}

/**
 * The same for a request Express never saw (a Socket.IO handshake): the address `hops`
 * trusted proxies back along X-Forwarded-For, as Express's numeric `trust proxy` picks it.
 */
export function handshakeClientKey(remoteAddress: string | undefined, headers: IncomingHttpHeaders, hops: number): string {
  const forwarded = headers['x-forwarded-for'];
  const chain = typeof forwarded === 'string' && hops > 0 ? forwarded.split(',').map((a) => a.trim()).filter(Boolean).reverse() : [];
  const addresses = [remoteAddress ?? 'unknown', ...chain];
  return ipKeyGenerator(addresses[Math.min(hops, addresses.length - 1)] as string);
}
