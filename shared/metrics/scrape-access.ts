import { timingSafeEqual } from 'node:crypto';
import { BlockList, isIPv4, isIPv6 } from 'node:net';

/**
 * Who may read `/metrics` (docs/OBSERVABILITY.md): a scraper at an address in
 * `metrics.allow` (default loopback), or anyone presenting the scrape token as a bearer
 * token. Metrics name agents, hosts and queues and show the fleet's load: not for everyone,
 * but Prometheus does not speak Nox's JWT login, hence the allowlist and a static token.
 */
export interface ScrapeAccess {
  /** `address` is the peer's (an IPv4-mapped IPv6 address counts as its IPv4 one) */
  allowed(address: string | undefined, authorization: string | undefined): boolean;
}

export function scrapeAccess(config: { allow: readonly string[]; scrape_token?: string | undefined }): ScrapeAccess {
  const list = new BlockList();
  for (const cidr of config.allow) {
    const [addr = '', bits = ''] = cidr.split('/');
    const type = isIPv4(addr) ? 'ipv4' : isIPv6(addr) ? 'ipv6' : undefined;
    if (!type) throw new Error(`metrics.allow: ${cidr} is not an address with a prefix length`);
    list.addSubnet(addr, Number(bits), type);
  }
  const token = config.scrape_token ? Buffer.from(config.scrape_token) : undefined;

  const addressAllowed = (address: string | undefined): boolean => {
    if (!address) return false;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) return list.check(mapped[1]!, 'ipv4');
    if (isIPv4(address)) return list.check(address, 'ipv4');
    if (isIPv6(address)) return list.check(address, 'ipv6');
    return false;
  };
  const tokenMatches = (authorization: string | undefined): boolean => {
    if (!token || !authorization?.startsWith('Bearer ')) return false;
    const given = Buffer.from(authorization.slice('Bearer '.length));
    return given.length === token.length && timingSafeEqual(given, token);
  };
  return { allowed: (address, authorization) => addressAllowed(address) || tokenMatches(authorization) };
}
