import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'smol-toml';
import { registryClientFor } from '../../shared/registry/registry-client.js';
import { startAgentStack, type AgentStack } from './agent-stack.js';

describe('agent configs and conversations land in the registry', () => {
  let stack: AgentStack;
  before(async () => {
    // deleting is a delete_agent approval: approved by the policy at once here (the pending path: test/approvals/agent-delete-approval.test.ts)
    stack = await startAgentStack({ overrides: { 'approvals.rules': [{ action: 'approve', types: ['delete_agent'] }] } });
  });
  after(async () => {
    await stack.cleanup();
  });

  it('keeps the config in agents.toml (one commit per change) and appends the conversation in batches', async () => {
    await stack.createAgent({ id: 'reg-1', name: 'Registry one', model: 'claude-fake-2', labels: {} });
    let toml = parse(readFileSync(path.join(stack.config.registryDir, 'agents.toml'), 'utf8')) as { agents: Record<string, Record<string, unknown>> };
    expect(toml.agents['reg-1']?.name).to.equal('Registry one');

    await stack.json('PATCH', '/api/agents/reg-1', 200, { body: { system_prompt: 'patched prompt' } });
    toml = parse(readFileSync(path.join(stack.config.registryDir, 'agents.toml'), 'utf8')) as typeof toml;
    expect(toml.agents['reg-1']?.system_prompt).to.equal('patched prompt');
    expect(toml.agents['reg-1']?.model, 'a patch keeps the fields it does not name').to.equal('claude-fake-2');

    await stack.startAgent('reg-1');
    await stack.turn('reg-1', 'persist me');
    await stack.waitResult('reg-1', 1);
    await stack.hosts[0]!.agents.manager.conversation.flush();
    await registryClientFor(stack.apiCtx).flush();
    const registry = registryClientFor(stack.apiCtx);
    const days = registry.read.conversationDays('reg-1');
    expect(days).to.have.length.at.least(1);
    const entries = registry.read.conversation('reg-1', days[0]!.date);
    const kinds = entries.map((e) => e.kind);
    expect(kinds).to.include.members(['turn', 'init', 'assistant-text', 'result']);
    const result = entries.find((e) => e.kind === 'result')!;
    expect(JSON.parse(result.raw_json as string).total_cost_usd).to.equal(0.01);

    await stack.json('POST', '/api/agents/reg-1/stop', 202);
    await stack.waitStatus('reg-1', 'stopped');
    await stack.json('DELETE', '/api/agents/reg-1', 204);
    toml = parse(readFileSync(path.join(stack.config.registryDir, 'agents.toml'), 'utf8')) as typeof toml;
    expect(toml.agents?.['reg-1']).to.equal(undefined);
  });
});
