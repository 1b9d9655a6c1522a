import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { newAgentConfig } from '../../shared/agents/agent-config.js';
import { verifyToken } from '../../shared/auth/tokens.js';
import type { NoxConfig } from '../../shared/config/schema.js';
import { createLogger } from '../../shared/logger.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import { mintAgentToken, prepareAgentLaunch } from '../../workers/agents/agent-launch.js';
import { TEST_SECRET, testConfig, testContext } from '../support/harness.js';

describe('agent launch: one call from config to launch spec (token, MCP servers, resume)', () => {
  let config: NoxConfig;
  let ctx: NoxContext;
  const logger = createLogger({ level: 'silent' });
  const sessionId = '11111111-2222-3333-4444-555555555555';
  before(() => {
    config = testConfig({ overrides: { 'agent.command': 'claude-x' } });
    ctx = testContext(config, 'worker');
  });
  after(async () => {
    await ctx.close();
    rmSync(config.registryDir, { recursive: true, force: true });
  });

  const flag = (args: string[], name: string): string | undefined => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);

  it('a first start: --session-id, the agent’s own token in its env and in the Nox tools server, folders made', () => {
    const agent = newAgentConfig({ id: 'launch-1' });
    const { spec, resume } = prepareAgentLaunch(ctx, agent, { hostId: 'h1', sessionId, logger });
    expect(resume).to.equal(false);
    expect(spec.command).to.equal('claude-x');
    expect(flag(spec.args, '--session-id')).to.equal(sessionId);
    expect(spec.args).to.not.include('--resume');
    expect(verifyToken(TEST_SECRET, spec.env.NOX_AGENT_TOKEN!).principal).to.deep.include({ sub: 'launch-1', role: 'agent', agentId: 'launch-1' });
    expect(spec.env.CLAUDE_CONFIG_DIR).to.equal(spec.configDir);
    const servers = (JSON.parse(flag(spec.args, '--mcp-config')!) as { mcpServers: Record<string, { env: Record<string, string> }> }).mcpServers;
    const tokenFile = servers.nox!.env.NOX_AGENT_TOKEN_FILE!;
    expect(readFileSync(tokenFile, 'utf8').trim(), 'the tools server gets the same token').to.equal(spec.env.NOX_AGENT_TOKEN);
    expect(existsSync(spec.cwd) && existsSync(spec.configDir)).to.equal(true);
    expect(spec.args, 'no budget, no flag').to.not.include('--max-budget-usd');
  });

  it('resumes once the CLI has written the session file, and passes what is left of the budget', () => {
    const agent = newAgentConfig({ id: 'launch-2', max_budget_usd: 1 });
    const first = prepareAgentLaunch(ctx, agent, { hostId: 'h1', sessionId, remainingBudgetUsd: 0.75, logger });
    expect(first.resume).to.equal(false);
    expect(flag(first.spec.args, '--max-budget-usd')).to.equal('0.75');
    // where the CLI keeps its sessions: $CLAUDE_CONFIG_DIR/projects/<cwd slug>/<session>.jsonl
    const projects = path.join(first.spec.configDir, 'projects', '-some-cwd');
    mkdirSync(projects, { recursive: true });
    writeFileSync(path.join(projects, `${sessionId}.jsonl`), '{}\n');
    const again = prepareAgentLaunch(ctx, agent, { hostId: 'h1', sessionId, logger });
    expect(again.resume).to.equal(true);
    expect(flag(again.spec.args, '--resume')).to.equal(sessionId);
    expect(again.spec.args).to.not.include('--session-id');
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
