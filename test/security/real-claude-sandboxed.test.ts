import { expect } from 'chai';
import { existsSync, mkdirSync, readlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { agentWorkdir } from '../../workers/agents/claude-cli/command-line.js';
import { startScriptedMessagesApi, type ScriptedMessagesApi } from '../fixtures/scripted-messages-api.js';
import { startAgentStack, type AgentStack } from '../agents/agent-stack.js';
import { assertClaudeInstalled, CLAUDE_BIN, offlineClaudeEnv } from '../cli/claude-cli.js';

/**
 * The real pinned `claude` does its work inside the sandbox (issue 14, item 7): a turn to
 * its model (through the sandbox's forward to the scripted Messages API), and an approved
 * Bash tool that writes a file in its workdir — which is on the host afterwards — while
 * the same command cannot read the secrets file: the tools it runs are contained too.
 */
describe('sandbox: the real claude CLI runs a turn and an approved Bash tool inside it', function () {
  this.timeout(120_000);
  let api: ScriptedMessagesApi;
  let stack: AgentStack;

  before(async () => {
    assertClaudeInstalled();
    api = await startScriptedMessagesApi();
    stack = await startAgentStack({ overrides: { 'agent.command': CLAUDE_BIN, 'agent.args': [], 'agent.env': offlineClaudeEnv(api.url) } });
    mkdirSync(path.dirname(stack.config.secretsFile), { recursive: true });
    writeFileSync(stack.config.secretsFile, '[auth]\njwt_secret = "not-for-agents"\n', { mode: 0o600 });
  });
  after(async () => {
    await stack?.cleanup();
    await api?.close();
  });

  it('is bubblewrap on the host; the turn and the approved Bash tool work; the secrets stay out of reach', async () => {
    await stack.createAgent({ id: 'real-sbx', allowed_tools: ['Bash'] });
    const started = await stack.startAgent('real-sbx');
    expect(path.basename(readlinkSync(`/proc/${started.pid}/exe`)), 'the agent process Nox runs is the sandbox').to.equal('bwrap');

    await stack.turn('real-sbx', 'hello from the sandbox');
    expect((await stack.waitResult('real-sbx', 1, 60_000)).text).to.equal('echo: hello from the sandbox');

    await stack.turn('real-sbx', `run-bash touch made-inside.txt && echo wrote; cat ${stack.config.secretsFile} || echo secrets-unreadable`);
    const result = await stack.waitResult('real-sbx', 2, 60_000);
    expect(result.text).to.match(/^tool said: /).and.include('wrote').and.include('secrets-unreadable');
    expect(result.text).to.not.include('not-for-agents');
    expect(existsSync(path.join(agentWorkdir(stack.config, { id: 'real-sbx' }), 'made-inside.txt')), 'the file the tool wrote is in the workdir on the host').to.equal(true);
  });
});
