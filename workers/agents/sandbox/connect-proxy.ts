import net from 'node:net';
import type { Logger } from '../../../shared/logger.js';
import { addressesOf, type AddressGuard } from './address-guard.js';
import type { HostPort } from './network-plan.js';

/**
 * The host side of a sandbox's HTTPS proxy: one connection from inside (through socat and
 * the agent's proxy.sock) that must open with `CONNECT host:port HTTP/1.1`. Only the
 * allowlisted pairs (the model's host:port, `agent.network_allow`) are tunnelled, and only
 * to addresses the guard accepts (address-guard.ts); everything else gets a 403 and is
 * closed. Plain proxying (`GET http://…`) is not offered: TLS to the allowlisted host,
 * through the tunnel, is the one way out.
 */
const MAX_HEAD = 8 * 1024;
const HEAD_TIMEOUT_MS = 10_000;
const CONNECT_TIMEOUT_MS = 15_000;

export interface ProxyRules {
  allow: readonly HostPort[];
  guard: AddressGuard;
}

export function handleProxyClient(client: net.Socket, rules: ProxyRules, logger: Logger, track: (s: net.Socket) => void): void {
  let head = Buffer.alloc(0);
  client.setTimeout(HEAD_TIMEOUT_MS, () => client.destroy());
  client.on('error', () => client.destroy());
  const onData = (chunk: Buffer): void => {
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) {
      if (head.length > MAX_HEAD) answer(client, 431, 'Request Header Fields Too Large');
      return;
    }
    client.off('data', onData);
    client.pause();
    client.setTimeout(0);
    const rest = head.subarray(end + 4);
    void tunnel(client, head.subarray(0, end).toString('latin1'), rest, rules, logger, track);
  };
  client.on('data', onData);
}

async function tunnel(client: net.Socket, head: string, rest: Buffer, rules: ProxyRules, logger: Logger, track: (s: net.Socket) => void): Promise<void> {
  const [method, target] = (head.split('\r\n')[0] ?? '').split(' ');
  if (method !== 'CONNECT' || !target) return answer(client, 405, 'Method Not Allowed', 'only CONNECT to the allowlisted hosts');
  const at = target.lastIndexOf(':');
  const host = target.slice(0, at).replace(/^\[|\]$/g, '').toLowerCase();
  const port = Number(target.slice(at + 1));
  if (!rules.allow.some((a) => a.host === host && a.port === port)) {
    logger.warn('sandbox proxy refused a host that is not allowlisted', { target });
    return answer(client, 403, 'Forbidden', `${target} is not in the agent's network allowlist`);
  }
  const addresses = await addressesOf(host);
  const refusals = addresses.map((a) => rules.guard.refusal(a, port));
  const usable = addresses.filter((_, i) => refusals[i] === undefined);
  if (usable.length === 0) {
    const why = refusals.find(Boolean) ?? `${host} does not resolve`;
    logger.warn('sandbox proxy refused an address', { target, why });
    return answer(client, 403, 'Forbidden', why);
  }
  const upstream = net.connect({ host: usable[0] as string, port, timeout: CONNECT_TIMEOUT_MS });
  track(upstream);
  upstream.once('timeout', () => upstream.destroy(new Error('connect timed out')));
  let connected = false;
  upstream.once('error', (err) => {
    if (!connected) answer(client, 502, 'Bad Gateway', err.message);
    else client.destroy();
  });
  upstream.once('connect', () => {
    connected = true;
    upstream.setTimeout(0);
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (rest.length > 0) upstream.write(rest);
    client.pipe(upstream);
    upstream.pipe(client);
    client.resume();
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
}

function answer(client: net.Socket, status: number, text: string, body = text): void {
  if (client.destroyed) return;
  client.end(`HTTP/1.1 ${status} ${text}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body) + 1}\r\nConnection: close\r\n\r\n${body}\n`);
}
