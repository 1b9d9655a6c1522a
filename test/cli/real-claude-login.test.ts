import { expect } from 'chai';
import { startScriptedMessagesApi, type ScriptedMessagesApi } from '../fixtures/scripted-messages-api.js';
import { startAgentStack, type AgentStack } from '../agents/agent-stack.js';
import { assertClaudeInstalled, CLAUDE_BIN, offlineClaudeEnv } from './claude-cli.js';

/**
 * The REAL pinned CLI with no credentials (issue 18, item 2): its is_error result becomes
 * `failed` with "not logged in: set ANTHROPIC_API_KEY ...", at once, with no restarts.
 */
describe('real claude CLI without credentials', function () {
  this.timeout(90_000);
  let api: ScriptedMessagesApi;
  let stack: AgentStack;

  before(async () => {
    assertClaudeInstalled();
    api = await startScriptedMessagesApi();
    const { ANTHROPIC_API_KEY: _key, ...env } = offlineClaudeEnv(api.url);
    stack = await startAgentStack({ overrides: { 'agent.command': CLAUDE_BIN, 'agent.args': [], 'agent.restart_backoff_ms': 50, 'agent.env': env } });
  });
  after(async () => {
    await stack?.cleanup();
    await api?.close();
  });

  it('fails the agent with "not logged in" and does not restart it', async () => {
    await stack.createAgent({ id: 'nokey' });
    await stack.startAgent('nokey');
    await stack.turn('nokey', 'hello');
    const failed = await stack.waitStatus('nokey', 'failed', 60_000);
    expect(failed.reason).to.match(/not logged in: set ANTHROPIC_API_KEY for the worker host/);
    expect(failed.circuitOpen ?? false).to.equal(false);
    const statuses = (await stack.events('agent.status')).filter((e) => e.agentId === 'nokey').map((e) => (e.data as { status: string }).status);
    expect(statuses).to.not.include('restarting');
    expect(api.requests.length, 'no request reached the model API').to.equal(0);
  });
});
