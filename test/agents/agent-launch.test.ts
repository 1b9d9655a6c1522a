import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { newAgentConfig } from '../../shared/agents/agent-config.js';
import { verifyToken } from '../../shared/auth/tokens.js';
import type { NoxConfig } from '../../shared/config/schema.js';
import { createLogger } from '../../shared/logger.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import { prepareAgentLaunch, type PreparedLaunch } from '../../workers/agents/agent-launch.js';
import { mintAgentToken } from '../../workers/host-credential/agent-token-source.js';
import { TEST_SECRET, testConfig, testContext } from '../support/harness.js';

describe('agent launch: one call from config to launch spec (token, MCP servers, resume, sandbox)', () => {
  let config: NoxConfig;
  let ctx: NoxContext;
  const logger = createLogger({ level: 'silent' });
  const sessionId = '11111111-2222-3333-4444-555555555555';
  const launched: PreparedLaunch[] = [];
  const prepare = async (...args: Parameters<typeof prepareAgentLaunch>): Promise<PreparedLaunch> => {
    const p = await prepareAgentLaunch(...args);
    launched.push(p);
    return p;
  };
  before(() => {
    // a program that exists: the launch looks it up on PATH (the agent's own PATH is fixed)
    config = testConfig({ overrides: { 'agent.command': process.execPath } });
    ctx = testContext(config, 'worker');
  });
  after(async () => {
    for (const p of launched) await p.release();
    await ctx.close();
    rmSync(config.registryDir, { recursive: true, force: true });
  });

  const flag = (args: string[], name: string): string | undefined => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);

  it('a first start: --session-id, the agent’s own token in a 0600 file for the Nox tools server, never in its env; folders made', async () => {
    const agent = newAgentConfig({ id: 'launch-1' });
    const { spec, resume } = await prepare(ctx, agent, { hostId: 'h1', sessionId, logger });
    expect(resume).to.equal(false);
    expect(spec.sandbox).to.equal('bubblewrap');
    expect(flag(spec.args, '--session-id')).to.equal(sessionId);
    expect(spec.args).to.not.include('--resume');
    expect(spec.env.NOX_AGENT_TOKEN, 'no token in the environment').to.equal(undefined);
    expect(spec.env.CLAUDE_CONFIG_DIR).to.equal(spec.configDir);
    const servers = (JSON.parse(flag(spec.args, '--mcp-config')!) as { mcpServers: Record<string, { env: Record<string, string> }> }).mcpServers;
    const tokenFile = servers.nox!.env.NOX_AGENT_TOKEN_FILE!;
    expect(tokenFile).to.equal(spec.env.NOX_AGENT_TOKEN_FILE);
    expect(statSync(tokenFile).mode & 0o777).to.equal(0o600);
    expect(verifyToken(TEST_SECRET, readFileSync(tokenFile, 'utf8').trim()).principal).to.deep.include({ sub: 'launch-1', role: 'agent', agentId: 'launch-1' });
    expect(existsSync(spec.cwd) && existsSync(spec.configDir)).to.equal(true);
    expect(readFileSync(path.join(config.agent.workspace_root!, '.gitignore'), 'utf8').trim(), 'the workspace root is ignored by an enclosing repo').to.equal('*');
    expect(spec.args, 'no budget, no flag').to.not.include('--max-budget-usd');
  });

  it('resumes once the CLI has written the session file, and passes what is left of the budget', async () => {
    const agent = newAgentConfig({ id: 'launch-2', max_budget_usd: 1 });
    const first = await prepare(ctx, agent, { hostId: 'h1', sessionId, remainingBudgetUsd: 0.75, logger });
    expect(first.resume).to.equal(false);
    expect(flag(first.spec.args, '--max-budget-usd')).to.equal('0.75');
    // where the CLI keeps its sessions: $CLAUDE_CONFIG_DIR/projects/<cwd slug>/<session>.jsonl
    const projects = path.join(first.spec.configDir, 'projects', '-some-cwd');
    mkdirSync(projects, { recursive: true });
    writeFileSync(path.join(projects, `${sessionId}.jsonl`), '{}\n');
    await first.release();
    const again = await prepare(ctx, agent, { hostId: 'h1', sessionId, logger });
    expect(again.resume).to.equal(true);
    expect(flag(again.spec.args, '--resume')).to.equal(sessionId);
    expect(again.spec.args).to.not.include('--session-id');
  });

  it('with agent.sandbox = "off": the program itself, the same allowlisted environment', async () => {
    const off = testConfig({ registryDir: config.registryDir, prefix: config.redis.prefix, overrides: { 'agent.command': process.execPath, 'agent.sandbox': 'off' } });
    const offCtx = testContext(off, 'worker');
    try {
      const { spec } = await prepare(offCtx, newAgentConfig({ id: 'launch-3' }), { hostId: 'h1', sessionId, logger });
      expect(spec.command).to.equal(process.execPath);
      expect(spec.sandbox).to.equal(undefined);
      expect(spec.env.NOX_API_URL).to.equal(`http://127.0.0.1:3000`);
      expect(spec.env.REDIS_URL).to.equal(undefined);
    } finally {
      await offCtx.close();
    }
  });

  it('refuses to mint a token without auth.jwt_secret', () => {
    const bare = testConfig({ overrides: { 'auth.jwt_secret': undefined } });
    try {
      expect(() => mintAgentToken(bare, 'x')).to.throw(/auth\.jwt_secret is not configured/);
    } finally {
      rmSync(bare.registryDir, { recursive: true, force: true });
    }
  });
});
