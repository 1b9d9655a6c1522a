import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { redisUrl } from '../support/harness.js';
import { startProbeStack, type Mode, type ProbeStack } from './support/probe-stack.js';

/**
 * Network containment (issue 14, items 1 and 7): a sandboxed agent cannot reach Redis, the
 * container engine (its unix socket, or a TCP port), or any loopback port but the ones it
 * is given — and still calls Nox's API with its own token. Unsandboxed, the same probe
 * reaches every one of them.
 */
describe('sandbox: an agent reaches Nox’s API, and not Redis, the engine or other ports', function () {
  this.timeout(90_000);
  let p: ProbeStack;
  let dir: string;
  const servers: net.Server[] = [];
  let engineSocket: string;
  let engineTcp: string;
  let otherPort: string;
  const redis = new URL(redisUrl());

  const listen = async (where: string | number): Promise<net.Server> => {
    const server = net.createServer((s) => s.end());
    await new Promise<void>((resolve) => (typeof where === 'string' ? server.listen(where, resolve) : server.listen(where, '127.0.0.1', resolve)));
    servers.push(server);
    return server;
  };

  before(async () => {
    // stand-ins for the container engine's API (Docker's socket, a tcp:// DOCKER_HOST) and
    // for any other service on the worker's loopback
    dir = mkdtempSync(path.join(tmpdir(), 'nox-engine-'));
    engineSocket = path.join(dir, 'docker.sock');
    await listen(engineSocket);
    engineTcp = `127.0.0.1:${((await listen(0)).address() as net.AddressInfo).port}`;
    otherPort = `127.0.0.1:${((await listen(0)).address() as net.AddressInfo).port}`;
    p = await startProbeStack({ 'mcp.docker_host': `tcp://${engineTcp}` });
  });
  after(async () => {
    await p?.cleanup();
    for (const s of servers) s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const run = async (mode: Mode) => {
    const id = `net-${mode}`;
    await p.startAgent(id, mode);
    return p.probe(id, { tcp: [`${redis.hostname}:${redis.port || 6379}`, engineTcp, otherPort], unix: [engineSocket] });
  };

  it('unsandboxed, the probe connects to Redis, the engine (socket and TCP) and another loopback port', async () => {
    const report = await run('off');
    for (const [target, outcome] of [...Object.entries(report.tcp), ...Object.entries(report.unix)]) expect(outcome.ok, `${target}: ${JSON.stringify(outcome)}`).to.equal(true);
    expect(report.api.status).to.equal(200);
  });

  it('sandboxed, every one of those connections fails; GET /api/auth/me with its token answers 200', async () => {
    const report = await run('on');
    expect(Object.keys(report.tcp)).to.have.length(3);
    for (const [target, outcome] of [...Object.entries(report.tcp), ...Object.entries(report.unix)]) expect(outcome.ok, `${target}: ${JSON.stringify(outcome)}`).to.equal(false);
    expect(report.api, JSON.stringify(report.api)).to.deep.include({ ok: true, status: 200 });
  });
});
