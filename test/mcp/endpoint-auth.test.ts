import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { expect } from 'chai';
import { signToken } from '../../shared/auth/tokens.js';
import type { Engine } from '../../shared/mcp/engine.js';
import { agentRunDir } from '../../workers/agents/claude-cli/command-line.js';
import { listManagedContainers } from '../../workers/mcp/engine/containers.js';
import { TEST_SECRET, waitUntil } from '../support/harness.js';
import { connectClient } from './support/endpoint-client.js';
import { startTestEndpoints, type TestEndpoints } from './support/endpoint-host.js';
import { testEngine } from './support/engine.js';
import { rawConnect } from './support/raw-endpoint.js';

/**
 * Only the agent itself gets a container through its endpoint: a connection without its
 * token — none, garbage, signed with another key, expired, another agent's, a person's — is
 * answered with one JSON-RPC error line naming the code, closed, and no container is made
 * (containers counted by the agent's label). The socket is the agent's alone (0600 in a
 * 0700 folder), replaces a stale one, and goes with the endpoint.
 */
describe('mcp endpoint: the agent’s token or nothing', function () {
  this.timeout(120_000);
  let engine: Engine;
  let t: TestEndpoints;
  let agentId: string;
  let socketPath: string;
  const initialize = `${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'probe', version: '1' } } })}\n`;

  before(async () => {
    ({ engine } = await testEngine());
    t = await startTestEndpoints({ overrides: { 'mcp.max_sessions_per_service': 1 } });
    agentId = `a-${randomBytes(3).toString('hex')}`;
    const { servers } = t.open(agentId, { echo: { spec: t.spec(agentId), sourceEnv: {} } });
    socketPath = servers.echo!.env.NOX_MCP_SOCKET!;
  });
  after(async () => {
    await t?.cleanup();
  });

  const containers = async (): Promise<number> => (await listManagedContainers(engine, { agent: agentId })).length;

  /** the host's answer to a connection that sends `firstLine` and then a request (nothing at all when undefined) */
  async function refusedWith(firstLine: string | undefined): Promise<string> {
    const conn = await rawConnect(socketPath, firstLine, firstLine === undefined ? {} : { more: initialize });
    const reply = JSON.parse(await conn.closed) as { jsonrpc: string; id: null; error: { code: number; message: string; data: { code: string } } };
    expect(reply).to.include({ jsonrpc: '2.0', id: null });
    expect(reply.error.message.startsWith(reply.error.data.code)).to.equal(true);
    expect(await containers(), 'no container for a refused connection').to.equal(0);
    return reply.error.data.code;
  }

  it('is a socket only the agent’s user can use, in the agent’s run folder', () => {
    expect(path.dirname(socketPath)).to.equal(agentRunDir(t.config, agentId));
    expect(path.basename(socketPath)).to.equal('mcp-echo.sock');
    expect(statSync(socketPath).isSocket()).to.equal(true);
    expect(statSync(socketPath).mode & 0o777).to.equal(0o600);
    expect(statSync(path.dirname(socketPath)).mode & 0o777).to.equal(0o700);
  });

  it('refuses a connection with no token, an empty line, a request first, or garbage', async () => {
    expect(await refusedWith(undefined)).to.equal('nox:unauthenticated');
    expect(await refusedWith('')).to.equal('nox:unauthenticated');
    expect(await refusedWith(initialize.trim())).to.equal('nox:invalid-token');
    expect(await refusedWith('not-a-token')).to.equal('nox:invalid-token');
    expect(await refusedWith('x'.repeat(20_000))).to.equal('nox:unauthenticated');
  });

  it('refuses a token signed with another key, an expired one, another agent’s and a person’s', async () => {
    expect(await refusedWith(signToken('another-key-another-key-another-key-0123', { sub: agentId, role: 'agent', agentId }, { expiresIn: '1h' }))).to.equal('nox:invalid-token');
    expect(await refusedWith(signToken(TEST_SECRET, { sub: agentId, role: 'agent', agentId }, { expiresIn: -10 }))).to.equal('nox:token-expired');
    expect(await refusedWith(signToken(TEST_SECRET, { sub: 'a-other', role: 'agent', agentId: 'a-other' }, { expiresIn: '1h' }))).to.equal('nox:forbidden');
    expect(await refusedWith(signToken(TEST_SECRET, { sub: 'root', role: 'admin' }, { expiresIn: '1h' }))).to.equal('nox:forbidden');
    const refusals = t.logs().filter((l) => l.message === 'MCP endpoint connection refused');
    expect(refusals.map((l) => l.code)).to.include.members(['nox:invalid-token', 'nox:token-expired', 'nox:forbidden']);
    expect(JSON.stringify(refusals), 'the log names no token').to.not.match(/eyJ/);
  });

  it('refuses the service once it is no longer given to the agent, and more sessions than mcp.max_sessions_per_service', async () => {
    const { client } = await connectClient(clientEntry());
    try {
      expect((await client.callTool({ name: 'add', arguments: { a: 1, b: 1 } })).content).to.deep.equal([{ type: 'text', text: '2' }]);
      expect(await containers()).to.equal(1);
      const busy = await rawConnect(socketPath, t.writeToken(agentId), { more: initialize });
      expect(JSON.parse(await busy.closed).error.data.code).to.equal('nox:mcp-endpoint-busy');
      expect(await containers(), 'still the one session').to.equal(1);
    } finally {
      await client.close();
    }
    await waitUntil(async () => (await containers()) === 0, 30_000, 200);

    const other = `a-${randomBytes(3).toString('hex')}`;
    const { servers } = t.open(other, { echo: { spec: t.spec(other), sourceEnv: {} } });
    t.withdraw(other, 'echo'); // the catalog no longer gives it
    const conn = await rawConnect(servers.echo!.env.NOX_MCP_SOCKET!, t.writeToken(other), { more: initialize });
    expect(JSON.parse(await conn.closed).error.data.code).to.equal('nox:mcp-service-not-allowed');
    expect(await listManagedContainers(engine, { agent: other })).to.have.length(0);
  });

  it('bounds connections that never show a token, and they hold no session slot', async () => {
    const idle = await Promise.all(Array.from({ length: 16 }, () => rawConnect(socketPath, undefined, { keepOpen: true })));
    const extra = await rawConnect(socketPath, undefined, { keepOpen: true });
    expect(JSON.parse(await extra.closed).error.message).to.match(/16 connections waiting for a token/);
    for (const c of idle) c.socket.destroy();
    await Promise.all(idle.map((c) => c.closed));
    const { client } = await connectClient(clientEntry());
    try {
      expect((await client.callTool({ name: 'add', arguments: { a: 2, b: 2 } })).content).to.deep.equal([{ type: 'text', text: '4' }]);
    } finally {
      await client.close();
    }
    await waitUntil(async () => (await containers()) === 0, 30_000, 200);
  });

  it('replaces a stale socket file at the next open, and removes its socket and sessions when closed', async () => {
    const stale = `a-${randomBytes(3).toString('hex')}`;
    const dir = agentRunDir(t.config, stale);
    mkdirSync(dir, { recursive: true });
    // what a crashed host leaves: a socket file nobody listens on, and one of a service since disabled
    const dead = net.createServer().listen(path.join(dir, 'mcp-echo.sock'));
    await new Promise((r) => dead.once('listening', r));
    dead.close();
    writeFileSync(path.join(dir, 'mcp-gone.sock'), '');
    const opened = t.open(stale, { echo: { spec: t.spec(stale), sourceEnv: {} } });
    expect(opened.refused).to.deep.equal([]);
    expect(existsSync(path.join(dir, 'mcp-gone.sock'))).to.equal(false);

    const { client } = await connectClient(opened.servers.echo!);
    expect((await client.callTool({ name: 'add', arguments: { a: 20, b: 22 } })).content).to.deep.equal([{ type: 'text', text: '42' }]);
    expect(await listManagedContainers(engine, { agent: stale })).to.have.length(1);
    await opened.close();
    expect(existsSync(path.join(dir, 'mcp-echo.sock')), 'the socket goes at once').to.equal(false);
    expect(await listManagedContainers(engine, { agent: stale }), 'closing ended the session').to.have.length(0);
    await client.close();
    expect(lstatSync(dir).isDirectory()).to.equal(true);
  });

  /** the agent's entry as its next start gets it (a fresh token, the same socket path) */
  function clientEntry() {
    const { servers } = t.open(agentId, { echo: { spec: t.spec(agentId), sourceEnv: {} } });
    expect(servers.echo!.env.NOX_MCP_SOCKET).to.equal(socketPath);
    return servers.echo!;
  }
});
