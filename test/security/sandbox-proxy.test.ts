import { expect } from 'chai';
import net from 'node:net';
import os from 'node:os';
import { redisUrl } from '../support/harness.js';
import { startProbeStack, type ProbeStack } from './support/probe-stack.js';

/**
 * The sandbox's one general way out, its HTTPS proxy (HTTP CONNECT), reaches the
 * `agent.network_allow` pairs and nothing else — and refuses metadata addresses, loopback
 * ports it does not forward (Redis), and the container engine, even when the list names
 * them (issue 14, item 1).
 */
describe('sandbox: the HTTPS proxy tunnels to the allowlist only', function () {
  this.timeout(90_000);
  let p: ProbeStack;
  const servers: net.Server[] = [];
  let echo: string;
  let engine: string;
  const redisPort = Number(new URL(redisUrl()).port || 6379);

  /** an address of this machine that is not loopback: where an allowlisted service can be */
  const lanAddress = (): string => {
    const found = Object.values(os.networkInterfaces())
      .flat()
      .find((a) => a && a.family === 'IPv4' && !a.internal);
    if (!found) throw new Error('this test needs a non-loopback IPv4 address on the machine (an allowlisted service to tunnel to)');
    return found.address;
  };
  const listen = async (host: string, onConnection: (s: net.Socket) => void): Promise<string> => {
    const server = net.createServer(onConnection);
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    servers.push(server);
    return `${host}:${(server.address() as net.AddressInfo).port}`;
  };

  before(async () => {
    const lan = lanAddress();
    echo = await listen(lan, (s) => s.pipe(s));
    engine = await listen(lan, (s) => s.end());
    p = await startProbeStack({
      'mcp.docker_host': `tcp://${engine}`,
      'agent.network_allow': [echo, '169.254.169.254:80', `127.0.0.1:${redisPort}`, engine],
    });
  });
  after(async () => {
    await p?.cleanup();
    for (const s of servers) s.close();
  });

  it('tunnels to an allowlisted host:port; refuses the rest with 403 and the reason', async () => {
    await p.startAgent('proxy-a', 'on');
    const report = await p.probe('proxy-a', { connect: [echo, 'example.invalid:443', '169.254.169.254:80', `127.0.0.1:${redisPort}`, engine] });
    expect(report.connect[echo], JSON.stringify(report.connect[echo])).to.deep.include({ ok: true, detail: 'through the tunnel' });
    expect(report.connect['example.invalid:443']?.detail).to.match(/^HTTP\/1\.1 403/);
    for (const refused of ['169.254.169.254:80', `127.0.0.1:${redisPort}`, engine]) {
      expect(report.connect[refused], `${refused}: ${JSON.stringify(report.connect[refused])}`).to.deep.include({ ok: false, detail: 'HTTP/1.1 403 Forbidden' });
    }
    // and raw TCP to the allowlisted address goes nowhere: the proxy is the only way out
    const raw = await p.probe('proxy-a', { tcp: [echo] });
    expect(raw.tcp[echo]?.ok).to.equal(false);
  });
});
