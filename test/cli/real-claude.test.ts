import { expect } from 'chai';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { agentWorkdir } from '../../workers/agents/claude-cli/command-line.js';
import { startScriptedMessagesApi, type ScriptedMessagesApi } from '../fixtures/scripted-messages-api.js';
import { startAgentStack, type AgentStack } from '../agents/agent-stack.js';
import { waitUntil } from '../support/harness.js';
import { assertClaudeInstalled, CLAUDE_BIN, offlineClaudeEnv } from './claude-cli.js';

/**
 * Conformance: Nox drives the REAL `claude` CLI (@anthropic-ai/claude-code, pinned by
 * test/cli/install-claude.sh) against a scripted Messages API on loopback. No network.
 * The binary is not a dependency of Nox; this suite FAILS (never skips) when it is missing.
 */

describe('real claude CLI (2.1.330) driven by Nox', function () {
  this.timeout(90_000);
  let api: ScriptedMessagesApi;
  let stack: AgentStack;

  before(async () => {
    assertClaudeInstalled();
    api = await startScriptedMessagesApi();
    stack = await startAgentStack({
      overrides: {
        'agent.command': CLAUDE_BIN,
        'agent.args': [],
        'agent.restart_backoff_ms': 200,
        'agent.env': {
          ...offlineClaudeEnv(api.url),
        },
      },
    });
  });
  after(async () => {
    await stack?.cleanup();
    await api?.close();
  });

  it('spawns the CLI and runs a turn: init, assistant text, result with cost and usage', async () => {
    await stack.createAgent({ id: 'real-1', system_prompt: 'You are a test agent.' });
    const started = await stack.startAgent('real-1');
    await stack.turn('real-1', 'hello from nox');
    const result = await stack.waitResult('real-1', 1, 60_000);
    expect(result.raw.is_error).to.equal(false);
    expect(result.text).to.equal('echo: hello from nox');
    expect(result.raw.session_id).to.equal(started.sessionId);
    const idle = await stack.waitStatus('real-1', 'idle');
    expect(idle.costUsd).to.be.above(0);
    expect(idle.inputTokens).to.be.above(0);
    const page = await stack.json<{ entries: { kind: string; raw: Record<string, unknown> }[] }>('GET', '/api/agents/real-1/conversation?limit=1000', 200);
    const init = page.entries.find((e) => e.kind === 'init')!;
    expect(init.raw.claude_code_version).to.equal('2.1.330');
    expect(init.raw.cwd).to.equal(agentWorkdir(stack.config, { id: 'real-1' }));
    // the system prompt went to the API
    const first = api.requests.find((r) => r.path === '/v1/messages' && JSON.stringify(r.body?.system ?? '').includes('You are a test agent.'));
    expect(first, 'a request carrying the system prompt').to.exist;
  });

  it('asks Nox before a tool runs; Nox allows what the agent config allows and denies the rest', async () => {
    await stack.createAgent({ id: 'real-perm', allowed_tools: ['Bash(touch:*)'] });
    await stack.startAgent('real-perm');
    const workdir = agentWorkdir(stack.config, { id: 'real-perm' });
    await stack.turn('real-perm', 'run-bash touch allowed-by-nox.txt');
    const allowed = await stack.waitResult('real-perm', 1, 60_000);
    expect(allowed.text).to.match(/^tool said: /);
    expect(existsSync(path.join(workdir, 'allowed-by-nox.txt'))).to.equal(true);

    await stack.turn('real-perm', 'run-bash rm -f allowed-by-nox.txt');
    const denied = await stack.waitResult('real-perm', 2, 60_000);
    expect(denied.text).to.match(/tool said: .*not in the allowed tools of agent real-perm/);
    expect((denied.raw.permission_denials as unknown[]).length).to.equal(1);
    expect(existsSync(path.join(workdir, 'allowed-by-nox.txt')), 'the denied command did not run').to.equal(true);

    const decisions = (await stack.events('agent.permission')).filter((e) => e.agentId === 'real-perm').map((e) => (e.data as { behavior: string; tool: string }).behavior);
    expect(decisions).to.deep.equal(['allow', 'deny']);
    const statuses = (await stack.events('agent.status')).filter((e) => e.agentId === 'real-perm').map((e) => (e.data as { status: string }).status);
    expect(statuses).to.include('waiting-approval');
  });

  it('survives a crash: restarts with --resume of the same session, history intact', async () => {
    await stack.createAgent({ id: 'real-crash' });
    const first = await stack.startAgent('real-crash');
    await stack.turn('real-crash', 'remember the word apricot');
    await stack.waitResult('real-crash', 1, 60_000);
    await stack.waitStatus('real-crash', 'idle');
    const configDir = path.join(stack.config.registryDir, '.runtime', 'agents', 'real-crash', 'claude', 'projects');
    expect(readdirSync(configDir).some((d) => existsSync(path.join(configDir, d, `${first.sessionId}.jsonl`)))).to.equal(true);

    process.kill(first.pid!, 'SIGKILL');
    await waitUntil(async () => {
      const r = await stack.runtime('real-crash');
      return r?.status === 'idle' && r.pid !== first.pid;
    }, 30_000);
    const again = (await stack.runtime('real-crash'))!;
    expect(again.sessionId).to.equal(first.sessionId);
    expect(again.restarts).to.be.at.least(1);

    const before = api.requests.length;
    await stack.turn('real-crash', 'what was the word');
    const result = await stack.waitResult('real-crash', 2, 60_000);
    expect(result.raw.session_id).to.equal(first.sessionId);
    const texts = api.userTexts().slice(before - api.requests.length).flat();
    expect(texts, 'the resumed session sends the earlier turn to the API').to.include('remember the word apricot');
    expect(texts).to.include('what was the word');
  });

  it('interrupts a turn with a control request', async () => {
    await stack.createAgent({ id: 'real-intr' });
    await stack.startAgent('real-intr');
    await stack.turn('real-intr', 'hang');
    await stack.waitStatus('real-intr', 'working');
    await waitUntil(() => api.userTexts().some((t) => t.at(-1) === 'hang'), 30_000);
    await stack.json('POST', '/api/agents/real-intr/interrupt', 202);
    const result = await stack.waitResult('real-intr', 1, 30_000);
    expect(result.raw.subtype).to.equal('error_during_execution');
    expect(result.raw.is_error).to.equal(true);
    await stack.waitStatus('real-intr', 'idle');
    await stack.turn('real-intr', 'still there');
    expect((await stack.waitResult('real-intr', 2, 60_000)).text).to.equal('echo: still there');
  });
});
