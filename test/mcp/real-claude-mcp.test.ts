import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { listManagedContainers } from '../../workers/mcp/engine/containers.js';
import { mintAgentToken } from '../../workers/host-credential/agent-token-source.js';
import { agentMcpConfig } from '../../workers/mcp/agent-mcp-config.js';
import { startHostMcp } from '../../workers/mcp/host-mcp.js';
import { agentTokenFile } from '../../workers/tools-server/mcp-entry.js';
import { NODE_MOUNT } from '../fixtures/mcp/build-image.js';
import { startToolCallingApi, type ToolCallingApi } from '../fixtures/mcp/tool-calling-api.js';
import { testConfig, testContext, waitUntil } from '../support/harness.js';
import { removeAgentContainers, testEngine } from './support/engine.js';
import { assertClaudeInstalled, CLAUDE_BIN, offlineClaudeEnv } from '../cli/claude-cli.js';

/**
 * The REAL `claude` CLI (pinned by test/cli/install-claude.sh) with an MCP service's
 * endpoint client in its --mcp-config, as an agent would have it, against a scripted
 * Messages API on loopback: the CLI starts the client in the agent's own folder, the worker
 * host (here: startHostMcp in this process) runs the container for the connection, the CLI
 * lists the server's tools, calls one and gets the answer; when the CLI exits the container
 * is gone.
 * FAILS (never skips) when the CLI is not installed.
 */

interface CliLine {
  type: string;
  subtype?: string;
  mcp_servers?: Array<{ name: string; status: string }>;
  tools?: string[];
  result?: string;
  is_error?: boolean;
}

describe('mcp through the real claude CLI: list and call a containerised tool', function () {
  this.timeout(120_000);
  let api: ToolCallingApi;
  let dir: string;
  const hostId = `t-host-${randomBytes(4).toString('hex')}`;

  before(async () => {
    assertClaudeInstalled();
    api = await startToolCallingApi();
    dir = mkdtempSync(path.join(tmpdir(), 'nox-claude-mcp-'));
  });
  after(async () => {
    await api?.close();
    const { engine } = await testEngine();
    await removeAgentContainers(engine, hostId);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function runClaude(prompt: string, mcpConfig: string, allowedTools: string[]): Promise<CliLine[]> {
    const args = ['-p', prompt, '--output-format', 'stream-json', '--verbose', '--mcp-config', mcpConfig, '--strict-mcp-config'];
    if (allowedTools.length > 0) args.push('--allowedTools', allowedTools.join(','));
    return new Promise((resolve, reject) => {
      const child = execFile(
        CLAUDE_BIN,
        args,
        {
          // The agent's own folder: the endpoint client must start from anywhere.
          cwd: dir,
          timeout: 90_000,
          env: {
            PATH: process.env.PATH ?? '/usr/bin:/bin',
            HOME: dir,
            CLAUDE_CONFIG_DIR: path.join(dir, 'claude-config'),
            ...offlineClaudeEnv(api.url),
          },
        },
        (err, stdout, stderr) => {
          if (err) return reject(new Error(`claude failed: ${err.message}\n${stderr}`));
          resolve(stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as CliLine));
        },
      );
      child.stdin?.end();
    });
  }

  it('connects to the server through the agent’s endpoint, calls mcp__echo__add and gets 42; the container is removed after', async () => {
    const { engine, dockerHost, image } = await testEngine();
    // The entry as the agents runtime gets it: from the catalog, enabled for this agent,
    // with a secret the host holds ([mcp.secrets]) and the agent never sees.
    const registryDir = path.join(dir, 'registry');
    mkdirSync(registryDir);
    writeFileSync(
      path.join(registryDir, 'mcp-services.toml'),
      `[services.echo]\nimage = "${image}"\nagents = ["a-real"]\nmounts = [{ source = "${NODE_MOUNT.source}", target = "/usr/bin/node" }]\n` +
        `limits = { memory_mb = 128, pids = 64 }\n[services.echo.env]\nAPI_TOKEN = { secret = "echo-token" }\n[services.echo.enabled]\na-real = true\n`,
    );
    const config = testConfig({ registryDir, overrides: { 'mcp.docker_host': dockerHost, 'mcp.stop_timeout_s': 2, 'mcp.secrets': { 'echo-token': 'tok-real' }, 'mcp.mount_allow': [NODE_MOUNT.source] } });
    const ctx = testContext(config, 'worker');
    const host = await startHostMcp(ctx, { hostId, isAgentRunning: () => true });
    const mcp = agentMcpConfig(ctx, 'a-real', hostId);
    try {
      expect(mcp.refused).to.deep.equal([]);
      const tokenFile = agentTokenFile(config, 'a-real');
      writeFileSync(tokenFile, `${mintAgentToken(config, 'a-real')}\n`, { mode: 0o600 });
      const entry = mcp.servers.echo!;
      for (const leak of ['tok-real', dockerHost, 'DOCKER_HOST', 'tcp://']) expect(JSON.stringify(entry)).to.not.include(leak);
      const mcpConfig = path.join(dir, 'mcp.json');
      writeFileSync(mcpConfig, JSON.stringify({ mcpServers: { echo: entry } }), { mode: 0o600 });

      const lines = await runClaude('call-mcp mcp__echo__add {"a":2,"b":40}', mcpConfig, ['mcp__echo__add']);
      const init = lines.find((l) => l.type === 'system' && l.subtype === 'init');
      expect(init?.mcp_servers?.find((s) => s.name === 'echo')?.status, JSON.stringify(init?.mcp_servers)).to.equal('connected');
      expect(init?.tools).to.include.members(['mcp__echo__add', 'mcp__echo__echo']);
      const result = lines.find((l) => l.type === 'result');
      expect(result?.is_error).to.equal(false);
      expect(result?.result).to.equal('tool said: 42');

      // The CLI ended its endpoint client on exit; the host removed the container.
      await waitUntil(async () => (await listManagedContainers(engine, { host: hostId })).length === 0, 30_000, 200);
    } finally {
      await mcp.close();
      await host.stop();
      await ctx.close();
    }
  });
});
