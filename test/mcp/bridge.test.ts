import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { expect } from 'chai';
import type { Engine } from '../../shared/mcp/engine.js';
import { listManagedContainers } from '../../workers/mcp/engine/containers.js';
import type { McpRunSpecInput } from '../../shared/mcp/run-spec.js';
import { bridgeServerEntry } from '../../workers/mcp/bridge-command.js';
import { NODE_MOUNT } from '../fixtures/mcp/build-image.js';
import { waitUntil } from '../support/harness.js';
import { connectBridge, type BridgeSession } from './support/bridge-client.js';
import { removeAgentContainers, testEngine } from './support/engine.js';

/**
 * The bridge as the agent's CLI sees it: a stdio MCP server started from an --mcp-config
 * entry. A real MCP client (the SDK's StdioClientTransport) starts it, lists and calls the
 * tools of the real server running in a real container, then closes it.
 */
describe('mcp bridge: a containerised MCP server behind a stdio bridge', function () {
  this.timeout(120_000);
  let engine: Engine;
  let dockerHost: string;
  let image: string;
  const hostId = `t-host-${randomBytes(4).toString('hex')}`;
  const clients: Client[] = [];

  before(async () => {
    ({ engine, dockerHost, image } = await testEngine());
  });
  afterEach(async () => {
    await Promise.allSettled(clients.splice(0).map((c) => c.close()));
    await removeAgentContainers(engine, hostId);
  });

  function spec(agentId: string, extra: Partial<McpRunSpecInput> = {}): McpRunSpecInput {
    return {
      agentId,
      service: 'echo',
      hostId,
      image,
      limits: { memoryMb: 128, cpus: 0.5, pids: 64 },
      mounts: [NODE_MOUNT],
      ...extra,
    };
  }

  async function connect(s: McpRunSpecInput, env: Record<string, string> = {}): Promise<BridgeSession> {
    const entry = bridgeServerEntry({ spec: s, dockerHost, stopTimeoutS: 2, env: { ...env, NOX_LOG_LEVEL: 'info' } });
    const session = await connectBridge(entry);
    clients.push(session.client);
    return session;
  }

  it('lists and calls the tools of the server in the container, and removes the container when the client closes', async () => {
    const agentId = `a-${randomBytes(3).toString('hex')}`;
    const { client, stderr } = await connect(spec(agentId));

    const tools = await client.listTools();
    expect(tools.tools.map((t) => t.name)).to.include.members(['echo', 'add']);
    const sum = await client.callTool({ name: 'add', arguments: { a: 2, b: 40 } });
    expect(sum.content).to.deep.equal([{ type: 'text', text: '42' }]);
    const echo = await client.callTool({ name: 'echo', arguments: { text: 'héllo\nworld {"jsonrpc"}' } });
    expect(echo.content).to.deep.equal([{ type: 'text', text: 'héllo\nworld {"jsonrpc"}' }]);

    const running = await listManagedContainers(engine, { agent: agentId });
    expect(running).to.have.length(1);
    expect(running[0]!.state).to.equal('running');
    expect(running[0]!.owner).to.include({ agentId, service: 'echo', hostId });

    await client.close();
    clients.splice(clients.indexOf(client), 1);
    await waitUntil(async () => (await listManagedContainers(engine, { agent: agentId })).length === 0, 30_000, 200);
    // The server's own stderr line reached the bridge's logs.
    const logs = stderr()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { message: string; line?: string; agentId?: string; mcpService?: string });
    expect(logs.find((l) => l.message === 'server stderr')).to.include({ line: 'nox-test-echo: ready', agentId, mcpService: 'echo' });
    expect(logs.map((l) => l.message)).to.include('container removed');
  });

  it('runs the server sandboxed: read-only root, no network, secrets from the bridge environment', async () => {
    const agentId = `a-${randomBytes(3).toString('hex')}`;
    const { client } = await connect(spec(agentId, { env: { GREETING: 'plain', TOKEN: { fromEnv: 'NOX_TEST_SECRET' } } }), {
      NOX_TEST_SECRET: 's3cret-value',
    });
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

  it('removes the container when the bridge gets SIGTERM', async () => {
    const agentId = `a-${randomBytes(3).toString('hex')}`;
    const { client, transport } = await connect(spec(agentId));
    await client.callTool({ name: 'echo', arguments: { text: 'x' } });
    const pid = transport.pid;
    expect(pid).to.be.a('number');
    const [container] = await listManagedContainers(engine, { agent: agentId });
    expect(container, 'the container while the session runs').to.exist;

    process.kill(pid!, 'SIGTERM');
    await waitUntil(async () => (await listManagedContainers(engine, { agent: agentId })).length === 0, 30_000, 200);
    const gone = await engine.docker.getContainer(container!.id).inspect().then(() => 'present', (e: { statusCode?: number }) => e.statusCode);
    expect(gone).to.equal(404);
  });

  it('exits (code 1, container removed) when the server dies on its own, so the CLI sees it gone', async () => {
    const agentId = `a-${randomBytes(3).toString('hex')}`;
    const entry = bridgeServerEntry({
      spec: spec(agentId, { entrypoint: [], command: ['/bin/sh', '-c', 'echo going-away >&2; exit 3'] }),
      dockerHost,
      stopTimeoutS: 2,
    });
    const child = spawn(entry.command, entry.args, { env: { PATH: process.env.PATH ?? '', ...entry.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    // Its stdin stays open: the bridge must notice the server's end by itself.
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    child.stdin.destroy();
    expect(code).to.equal(1);
    expect(stdout, 'nothing but JSON-RPC on stdout').to.equal('');
    const logs = stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { message: string; exitCode?: number; line?: string });
    expect(logs.find((l) => l.message === 'server exited')?.exitCode).to.equal(3);
    expect(logs.find((l) => l.message === 'server stderr')?.line).to.equal('going-away');
    expect(await listManagedContainers(engine, { agent: agentId })).to.have.length(0);
  });

  it('exits 1 and says nox:engine-unavailable when the engine does not answer', async () => {
    const entry = bridgeServerEntry({ spec: spec(`a-${randomBytes(3).toString('hex')}`), dockerHost: `unix:///tmp/nox-no-engine-${randomBytes(3).toString('hex')}.sock` });
    const child = spawn(entry.command, entry.args, { env: { PATH: process.env.PATH ?? '', ...entry.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdout.resume();
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    child.stdin.destroy();
    expect(code).to.equal(1);
    expect(stderr).to.include('nox:engine-unavailable');
  });

  it('fails the session (no container left) when the image is not on the engine', async () => {
    const agentId = `a-${randomBytes(3).toString('hex')}`;
    const err = await connect(spec(agentId, { image: 'localhost/nox-no-such-image:0' })).then(() => undefined, (e: unknown) => e);
    expect(err, 'the client cannot initialize').to.be.instanceOf(Error);
    expect((err as { bridgeStderr?: string }).bridgeStderr).to.include('nox:mcp-image-not-found');
    expect(await listManagedContainers(engine, { agent: agentId })).to.have.length(0);
  });
});
