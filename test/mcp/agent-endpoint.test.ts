import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { newAgentConfig } from '../../shared/agents/agent-config.js';
import { signToken } from '../../shared/auth/tokens.js';
import { createLogger } from '../../shared/logger.js';
import { prepareAgentLaunch } from '../../workers/agents/agent-launch.js';
import { agentRunDir, agentRuntimeDir } from '../../workers/agents/claude-cli/command-line.js';
import { listManagedContainers } from '../../workers/mcp/engine/containers.js';
import { CLIENT_ENV } from '../../workers/mcp/endpoint/client-env.js';
import { startAgentStack, type AgentStack } from '../agents/agent-stack.js';
import { NODE_MOUNT } from '../fixtures/mcp/build-image.js';
import { TEST_SECRET, waitUntil } from '../support/harness.js';
import { removeAgentContainers, testEngine } from './support/engine.js';
import { rawConnect } from './support/raw-endpoint.js';

/**
 * An agent run by Nox (a worker host with MCP on, the stand-in CLI test/fixtures/fake-claude.mjs)
 * uses a containerised MCP service through its endpoint, and nothing in its process tree —
 * its launch spec, its processes' command lines and environments, its files — holds the
 * container engine's address or the service's secret, although the worker host has both
 * (DOCKER_HOST and NOX_SECRET_ECHO_TOKEN are set in its environment for this suite). Its
 * endpoint refuses anyone without its token, and its container goes when it stops.
 */
describe('mcp for a running agent: an endpoint, never the engine or the secret', function () {
  this.timeout(180_000);
  let stack: AgentStack;
  let dockerHost: string;
  let hostId = '';
  const secret = `sekret-${randomBytes(8).toString('hex')}`;
  const saved = { DOCKER_HOST: process.env.DOCKER_HOST, NOX_SECRET_ECHO_TOKEN: process.env.NOX_SECRET_ECHO_TOKEN };

  before(async () => {
    let image: string;
    ({ dockerHost, image } = await testEngine());
    process.env.DOCKER_HOST = dockerHost;
    process.env.NOX_SECRET_ECHO_TOKEN = secret;
    stack = await startAgentStack({ overrides: { 'mcp.docker_host': dockerHost, 'mcp.stop_timeout_s': 1, 'mcp.mount_allow': [NODE_MOUNT.source] }, worker: { mcp: true } });
    hostId = stack.hosts[0]!.id;
    writeFileSync(
      path.join(stack.config.registryDir, 'mcp-services.toml'),
      `[services.echo]\nimage = "${image}"\nagents = ["mcp-ep", "mcp-spec"]\n` +
        `mounts = [{ source = "${NODE_MOUNT.source}", target = "/usr/bin/node" }]\n` +
        `[services.echo.env]\nAPI_TOKEN = { secret = "echo-token" }\n[services.echo.enabled]\nmcp-ep = true\nmcp-spec = true\n`,
    );
  });
  after(async () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await stack?.cleanup();
    const { engine } = await testEngine();
    if (hostId) await removeAgentContainers(engine, hostId);
  });

  /** what must never show up in the agent's tree */
  const leaks = (): string[] => [secret, dockerHost, dockerHost.replace(/^unix:\/\//, ''), 'DOCKER_HOST', 'tcp://'];
  const expectClean = (what: string, text: string): void => {
    for (const leak of leaks()) expect(text.includes(leak), `${what} holds ${leak}`).to.equal(false);
  };

  /** the agent's process group: its CLI and what the CLI started (the endpoint client) */
  function processGroup(leader: number): number[] {
    return readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .filter((d) => {
        try {
          const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
          return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) === leader; // field 5: pgrp
        } catch {
          return false;
        }
      })
      .map(Number);
  }

  function filesUnder(dir: string): string[] {
    return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));
  }

  it('calls the service through the endpoint; the agent’s processes and files hold no engine address and no secret', async () => {
    const { engine } = await testEngine();
    await stack.createAgent({ id: 'mcp-ep', allowed_tools: ['mcp__echo__add'] });
    const runtime = await stack.startAgent('mcp-ep');
    await stack.turn('mcp-ep', 'mcp mcp__echo__add {"a":2,"b":40}');
    const result = await stack.waitResult('mcp-ep', 1, 60_000);
    expect(result.text).to.equal('mcp said: 42');

    // the container runs with the secret in its env, put there by the host
    const [container, ...more] = await listManagedContainers(engine, { agent: 'mcp-ep', host: hostId });
    expect(more).to.have.length(0);
    const info = await engine.docker.getContainer(container!.id).inspect();
    expect(info.Config.Env).to.include(`API_TOKEN=${secret}`);

    const group = processGroup(runtime.pid!);
    const cmdlines = group.map((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' '));
    expect(cmdlines.some((c) => c.includes('workers/mcp/endpoint/client-main')), `the endpoint client runs in the agent's group: ${cmdlines.join('\n')}`).to.equal(true);
    expect(cmdlines.find((c) => c.includes('--mcp-config')), 'the CLI’s command line').to.include(CLIENT_ENV.socket);
    for (const pid of group) {
      expectClean(`/proc/${pid}/cmdline`, readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
      expectClean(`/proc/${pid}/environ`, readFileSync(`/proc/${pid}/environ`, 'utf8'));
    }

    const files = filesUnder(agentRuntimeDir(stack.config, 'mcp-ep'));
    expect(files.some((f) => f.includes('mcp-secrets')), 'no secrets folder').to.equal(false);
    for (const file of files.filter((f) => statSync(f).isFile())) expectClean(file, readFileSync(file, 'utf8'));
  });

  it('refuses a connection without the agent’s token, with a bad one or another agent’s, and makes no container', async () => {
    const { engine } = await testEngine();
    const socketPath = path.join(agentRunDir(stack.config, 'mcp-ep'), 'mcp-echo.sock');
    const count = async (): Promise<number> => (await listManagedContainers(engine, { agent: 'mcp-ep', host: hostId })).length;
    const before = await count();
    expect(before, 'the running agent’s own session').to.equal(1);
    const attempts: Array<[string | undefined, string]> = [
      [undefined, 'nox:unauthenticated'],
      ['forged', 'nox:invalid-token'],
      [signToken(TEST_SECRET, { sub: 'mcp-spec', role: 'agent', agentId: 'mcp-spec' }, { expiresIn: '1h' }), 'nox:forbidden'],
    ];
    for (const [token, code] of attempts) {
      const conn = await rawConnect(socketPath, token);
      const reply = JSON.parse(await conn.closed) as { error: { data: { code: string } } };
      expect(reply.error.data.code).to.equal(code);
    }
    expect(await count(), 'no container for any of them').to.equal(before);
  });

  it('removes the container and the socket when the agent stops', async () => {
    const { engine } = await testEngine();
    await stack.json('POST', '/api/agents/mcp-ep/stop', 202);
    await stack.waitStatus('mcp-ep', 'stopped', 30_000);
    await waitUntil(async () => (await listManagedContainers(engine, { agent: 'mcp-ep', host: hostId })).length === 0, 30_000, 200);
    expect(existsSync(path.join(agentRunDir(stack.config, 'mcp-ep'), 'mcp-echo.sock'))).to.equal(false);
  });

  it('builds a launch spec whose arguments, --mcp-config and environment hold no engine address and no secret', async () => {
    const host = stack.hosts[0]!;
    const { spec, release } = await prepareAgentLaunch(host.ctx, newAgentConfig({ id: 'mcp-spec' }), { hostId, sessionId: randomUUID(), logger: createLogger({ level: 'silent' }) });
    try {
      expectClean('the launch args', JSON.stringify(spec.args));
      expectClean('the launch env', JSON.stringify(spec.env));
      const config = JSON.parse(spec.args[spec.args.indexOf('--mcp-config') + 1]!) as { mcpServers: Record<string, { command: string; args: string[]; env: Record<string, string> }> };
      const echo = config.mcpServers.echo!;
      expect(Object.keys(echo.env).sort()).to.deep.equal([CLIENT_ENV.tokenFile, CLIENT_ENV.socket].sort());
      expect(echo.env[CLIENT_ENV.socket]).to.equal(path.join(agentRunDir(stack.config, 'mcp-spec'), 'mcp-echo.sock'));
      expect(statSync(echo.env[CLIENT_ENV.socket]!).isSocket(), 'served from the start').to.equal(true);
    } finally {
      await release();
    }
  });
});
