import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import type { HostPort } from './network-plan.js';

/**
 * Addresses the sandbox's HTTPS proxy never connects to, whatever `agent.network_allow`
 * says (docs/SANDBOX.md, "Network"): a name in the list may resolve anywhere, so the check
 * is on the addresses it resolves to, and the proxy connects to the address it checked
 * (no second lookup a DNS answer could change in between).
 *
 * - link-local (169.254.0.0/16 — the cloud metadata service lives there — and fe80::/10),
 *   the other known metadata addresses, "this network" (0.0.0.0/8 reaches loopback on
 *   Linux), multicast;
 * - loopback (127.0.0.0/8, ::1) except the ports the sandbox forwards anyway;
 * - Redis and the container engine, by their resolved address and port.
 */
const NEVER = new BlockList();
NEVER.addSubnet('169.254.0.0', 16, 'ipv4');
NEVER.addSubnet('0.0.0.0', 8, 'ipv4');
NEVER.addSubnet('224.0.0.0', 4, 'ipv4');
NEVER.addAddress('100.100.100.200', 'ipv4'); // Alibaba Cloud's metadata service
NEVER.addSubnet('fe80::', 10, 'ipv6');
NEVER.addSubnet('ff00::', 8, 'ipv6');
NEVER.addAddress('fd00:ec2::254', 'ipv6'); // AWS's IPv6 metadata service
NEVER.addAddress('::', 'ipv6');

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

export interface AddressGuard {
  /** why `address:port` is refused, or undefined when the proxy may connect to it */
  refusal(address: string, port: number): string | undefined;
}

export interface GuardInput {
  /** loopback ports the sandbox forwards (the API's, the model's): reachable anyway */
  forwardedLoopbackPorts: readonly number[];
  /** Redis, the container engine: refused by address and port */
  services: readonly HostPort[];
}

export async function addressGuard(input: GuardInput): Promise<AddressGuard> {
  const refusedServices = new Set<string>();
  for (const s of input.services) {
    for (const address of await addressesOf(s.host)) refusedServices.add(`${unmapped(address)}|${s.port}`);
  }
  return {
    refusal(raw, port) {
      const address = unmapped(raw);
      const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      if (NEVER.check(address, family)) return `${address} is link-local, metadata or otherwise never reachable from a sandbox`;
      if (LOOPBACK.check(address, family) && !input.forwardedLoopbackPorts.includes(port)) return `${address}:${port} is a loopback port the sandbox does not forward`;
      if (refusedServices.has(`${address}|${port}`)) return `${address}:${port} is Redis or the container engine`;
      return undefined;
    },
  };
}

/** Every address a name resolves to (an IP literal is itself); none when it does not resolve. */
export async function addressesOf(host: string): Promise<string[]> {
  if (isIP(host)) return [host];
  try {
    return (await lookup(host, { all: true })).map((a) => a.address);
  } catch {
    return [];
  }
}

/** `::ffff:169.254.169.254` is 169.254.169.254. */
function unmapped(address: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m ? (m[1] as string) : address;
}
