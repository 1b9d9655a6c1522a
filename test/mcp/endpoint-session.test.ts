import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { createEngine, type Engine } from '../../shared/mcp/engine.js';
import { listManagedContainers } from '../../workers/mcp/engine/containers.js';
import { processIdentity } from '../../workers/mcp/engine/process-identity.js';
import { waitUntil } from '../support/harness.js';
import { connectClient, type ClientSession } from './support/endpoint-client.js';
import { startTestEndpoints, type TestEndpoints } from './support/endpoint-host.js';
import { testEngine } from './support/engine.js';
import { rawConnect } from './support/raw-endpoint.js';

/**
 * A containerised MCP server behind an agent's endpoint, as the agent's CLI sees it: a
 * stdio MCP server (the endpoint client) from an --mcp-config entry. A real MCP client (the
 * SDK's StdioClientTransport) starts it; the worker host's endpoint runs the real server in
 * a real container for the connection, and removes it when the connection ends.
 */
describe('mcp endpoint: one container session per agent connection, run by the host', function () {
  this.timeout(120_000);
  let engine: Engine;
  let t: TestEndpoints;
  const clients: Client[] = [];

  before(async () => {
    ({ engine } = await testEngine());
  });
  beforeEach(async () => {
    t = await startTestEndpoints();
  });
  afterEach(async () => {
    await Promise.allSettled(clients.splice(0).map((c) => c.close()));
    await t.cleanup();
  });

  async function connect(agentId: string, extra: Parameters<TestEndpoints['spec']>[1] = {}, sourceEnv: Record<string, string> = {}): Promise<ClientSession> {
    const { servers, refused } = t.open(agentId, { echo: { spec: t.spec(agentId, extra), sourceEnv } });
    expect(refused).to.deep.equal([]);
    const session = await connectClient(servers.echo!);
    clients.push(session.client);
    return session;
  }

  it('lists and calls the tools of the server in the container, and removes the container when the client closes', async () => {
    const agentId = `a-${randomBytes(3).toString('hex')}`;
    const { client } = await connect(agentId);

    const tools = await client.listTools();
    expect(tools.tools.map((x) => x.name)).to.include.members(['echo', 'add']);
    const sum = await client.callTool({ name: 'add', arguments: { a: 2, b: 40 } });
    expect(sum.content).to.deep.equal([{ type: 'text', text: '42' }]);
    const echo = await client.callTool({ name: 'echo', arguments: { text: 'héllo\nworld {"jsonrpc"}' } });
    expect(echo.content).to.deep.equal([{ type: 'text', text: 'héllo\nworld {"jsonrpc"}' }]);

    const running = await listManagedContainers(engine, { agent: agentId });
    expect(running).to.have.length(1);
    expect(running[0]!.state).to.equal('running');
    expect(running[0]!.owner).to.include({ agentId, service: 'echo', hostId: t.hostId, process: processIdentity() });
    expect(t.host.sessionLive(running[0]!.owner.session), 'the reaper sees the session open').to.equal(true);

    await client.close();
    clients.splice(clients.indexOf(client), 1);
    await waitUntil(async () => (await listManagedContainers(engine, { agent: agentId })).length === 0, 30_000, 200);
    await waitUntil(() => !t.host.sessionLive(running[0]!.owner.session), 10_000);
    // The server's own stderr line reached the host's logs, with the agent and service.
    const logs = t.logs();
    expect(logs.find((l) => l.message === 'server stderr')).to.include({ line: 'nox-test-echo: ready', agentId, mcpService: 'echo' });
    expect(logs.map((l) => l.message)).to.include('container removed');
  });

  it('runs the server sandboxed: read-only root, no network, its secret from the host into the container’s env only', async () => {
    const agentId = `a-${randomBytes(3).toString('hex')}`;
    const { client } = await connect(agentId, { env: { GREETING: 'plain', TOKEN: { fromEnv: 'NOX_SECRET_TEST' } } }, { NOX_SECRET_TEST: 's3cret-value' });
    const sandbox = await client.callTool({ name: 'sandbox', arguments: {} });
    const report = JSON.parse((sandbox.content as Array<{ text: string }>)[0]!.text) as { rootWritable: boolean; interfaces: string[] };
    expect(report.rootWritable).to.equal(false);
    expect(report.interfaces).to.deep.equal(['lo']);
    const token = await client.callTool({ name: 'env', arguments: { name: 'TOKEN' } });
    expect(token.content).to.deep.equal([{ type: 'text', text: 's3cret-value' }]);
    const greeting = await client.callTool({ name: 'env', arguments: { name: 'GREETING' } });
    expect(greeting.content).to.deep.equal([{ type: 'text', text: 'plain' }]);

    // The secret is not on the container's command line or labels, only in its env.
    const [container] = await listManagedContainers(engine, { agent: agentId });
    const info = await engine.docker.getContainer(container!.id).inspect();
    expect(JSON.stringify(info.Config.Labels)).to.not.include('s3cret');
    expect(JSON.stringify(info.Config.Cmd)).to.not.include('s3cret');
  });

  it('removes the container when the client process gets SIGTERM (the CLI ending its servers)', async () => {
    const agentId = `a-${randomBytes(3).toString('hex')}`;
    const { client, transport } = await connect(agentId);
    await client.callTool({ name: 'echo', arguments: { text: 'x' } });
    const [container] = await listManagedContainers(engine, { agent: agentId });
    expect(container, 'the container while the session runs').to.exist;

    process.kill(transport.pid!, 'SIGTERM');
    await waitUntil(async () => (await listManagedContainers(engine, { agent: agentId })).length === 0, 30_000, 200);
    const gone = await engine.docker.getContainer(container!.id).inspect().then(() => 'present', (e: { statusCode?: number }) => e.statusCode);
    expect(gone).to.equal(404);
  });

  it('closes the connection (container removed) when the server dies on its own, so the CLI sees it gone', async () => {
    const agentId = `a-${randomBytes(3).toString('hex')}`;
    const { servers } = t.open(agentId, { echo: { spec: t.spec(agentId, { entrypoint: [], command: ['/bin/sh', '-c', 'echo going-away >&2; exit 3'] }), sourceEnv: {} } });
    // Its side stays open: the host must notice the server's end by itself.
    const conn = await rawConnect(servers.echo!.env.NOX_MCP_SOCKET!, t.writeToken(agentId), { keepOpen: true });
    expect(await conn.closed, 'nothing but JSON-RPC comes back').to.equal('');
    const logs = t.logs();
    expect(logs.find((l) => l.message === 'server exited')?.exitCode).to.equal(3);
    expect(logs.find((l) => l.message === 'server stderr')?.line).to.equal('going-away');
    expect(await listManagedContainers(engine, { agent: agentId })).to.have.length(0);
  });

  it('tells the client nox:mcp-image-not-found and leaves no container when the image is not on the engine', async () => {
    const agentId = `a-${randomBytes(3).toString('hex')}`;
    const { servers } = t.open(agentId, { echo: { spec: t.spec(agentId, { image: 'localhost/nox-no-such-image:0' }), sourceEnv: {} } });
    const conn = await rawConnect(servers.echo!.env.NOX_MCP_SOCKET!, t.writeToken(agentId));
    const reply = JSON.parse(await conn.closed) as { id: null; error: { data: { code: string } } };
    expect(reply.id).to.equal(null);
    expect(reply.error.data.code).to.equal('nox:mcp-image-not-found');
    expect(await listManagedContainers(engine, { agent: agentId })).to.have.length(0);
  });

  it('tells the client nox:engine-unavailable when the engine does not answer', async () => {
    await t.cleanup();
    t = await startTestEndpoints({ engine: createEngine({ dockerHost: `unix:///tmp/nox-no-engine-${randomBytes(3).toString('hex')}.sock` }) });
    const agentId = `a-${randomBytes(3).toString('hex')}`;
    const { servers } = t.open(agentId, { echo: { spec: t.spec(agentId), sourceEnv: {} } });
    const conn = await rawConnect(servers.echo!.env.NOX_MCP_SOCKET!, t.writeToken(agentId));
    expect(await conn.closed).to.include('nox:engine-unavailable');
  });
});
