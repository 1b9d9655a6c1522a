import { expect } from 'chai';
import type { Message } from '../../shared/messages/message-model.js';
import { startScriptedMessagesApi, type ScriptedMessagesApi } from '../fixtures/scripted-messages-api.js';
import { startAgentStack, type AgentStack } from '../agents/agent-stack.js';
import { waitUntil } from '../support/harness.js';
import { assertClaudeInstalled, CLAUDE_BIN, offlineClaudeEnv } from './claude-cli.js';

/**
 * Conformance: the REAL `claude` CLI (2.1.330) hits usage and rate limits answered by the
 * scripted Messages API (429 with `retry-after` or a subscription's reset headers, 529), and
 * Nox parks its agent until the reset, then resumes it by itself (issue 18, item 4). The
 * lines the CLI writes in each case: test/fixtures/cli-limit-lines.
 */
type Entry = { at: string; kind: string; text?: string; raw: Record<string, unknown> };

async function realStack(api: ScriptedMessagesApi, env: Record<string, string>, overrides: Record<string, unknown> = {}): Promise<AgentStack> {
  return startAgentStack({ overrides: { 'agent.command': CLAUDE_BIN, 'agent.args': [], 'agent.restart_backoff_ms': 200, 'agent.env': env, ...overrides } });
}

const conversation = async (stack: AgentStack, agentId: string): Promise<Entry[]> => (await stack.json<{ entries: Entry[] }>('GET', `/api/agents/${agentId}/conversation?limit=1000`, 200)).entries;
const send = (stack: AgentStack, to: string, content: string): Promise<{ id: string; message: Message }> => stack.json('POST', '/api/messages', 202, { body: { to, content, message_type: 'request' } });
const eventsOf = async (stack: AgentStack, type: string, agentId: string): Promise<{ at: string; data: Record<string, unknown> }[]> =>
  (await stack.events(type)).filter((e) => e.agentId === agentId) as { at: string; data: Record<string, unknown> }[];

async function expectNoCrash(stack: AgentStack, agentId: string): Promise<void> {
  const runtime = (await stack.runtime(agentId))!;
  expect(runtime.restarts).to.equal(0);
  expect(runtime.circuitOpen).to.equal(false);
  const statuses = (await eventsOf(stack, 'agent.status', agentId)).map((e) => e.data.status);
  expect(statuses).to.not.include.members(['crashed', 'restarting', 'failed']);
}

describe('real claude CLI (2.1.330) at usage and rate limits', function () {
  this.timeout(180_000);
  before(() => assertClaudeInstalled());

  describe('a subscription login at its usage limit', () => {
    let api: ScriptedMessagesApi;
    let stack: AgentStack;
    before(async () => {
      api = await startScriptedMessagesApi();
      // a subscription (OAuth) login: the CLI reads the API's unified rate-limit headers
      const { ANTHROPIC_API_KEY: _apiKey, ...env } = offlineClaudeEnv(api.url);
      stack = await realStack(api, { ...env, CLAUDE_CODE_OAUTH_TOKEN: 'sk-ant-oat01-fake-token-for-tests' });
    });
    after(async () => {
      await stack?.cleanup();
      await api?.close();
    });

    it('parks the agent until resetsAt; at that time it resumes by itself: the refused turn and a message sent meanwhile are each answered once', async () => {
      await stack.createAgent({ id: 'real-lim' });
      await stack.startAgent('real-lim');
      api.fault({ status: 429, usageResetInS: 5, retryAfterS: 3600 });
      await stack.turn('real-lim', 'hello before the limit');
      const parked = await stack.waitStatus('real-lim', 'parked', 60_000);
      const resetAt = api.requests.find((r) => r.usageResetAt !== undefined)!.usageResetAt!;
      expect(Date.parse(parked.resumesAt!), 'the reset time the API gave').to.equal(resetAt * 1000);
      expect(parked.reasonCode).to.equal('nox:agent-parked');
      expect(parked.reason).to.match(/^usage limit reached \(five_hour\): resumes at /);
      const [park] = await eventsOf(stack, 'agent.parked', 'real-lim');
      expect(park!.data).to.include({ kind: 'usage-limit', resetKnown: true, inTurn: false, apiErrorStatus: 429 });
      expect(park!.data.said).to.match(/^You've hit your 5-hour limit/);

      const message = await send(stack, 'real-lim', 'a message while parked');
      const isMessage = (s: string): boolean => s.includes(`[message ${message.id}]`);
      await waitUntil(() => api.answered(isMessage) >= 1, 90_000);
      await stack.waitStatus('real-lim', 'idle', 30_000);
      // the conversation is written in batches (agent.conversation_flush_ms): wait for the third result
      await stack.waitResult('real-lim', 3, 30_000);

      expect(api.answered((s) => s === 'hello before the limit'), 'the refused turn, once').to.equal(1);
      expect(api.answered(isMessage), 'the message, once').to.equal(1);
      const replies = api.requests.filter((r) => r.status === 200 && r.script !== undefined && (r.script === 'hello before the limit' || isMessage(r.script)));
      for (const r of replies) expect(r.at!, 'answered after the reset').to.be.at.least(resetAt * 1000);
      const results = (await conversation(stack, 'real-lim')).filter((e) => e.kind === 'result').map((e) => e.text ?? '');
      expect(results[0]).to.match(/^You've hit your 5-hour limit/);
      expect(results.slice(1)).to.deep.equal(['echo: hello before the limit', results[2]]);
      expect(results[2]).to.match(new RegExp(`^echo: \\[message ${message.id}\\]`));
      expect((await eventsOf(stack, 'agent.unparked', 'real-lim')).map((e) => e.data.why)).to.deep.equal(['reset']);
      expect((await stack.runtime('real-lim'))!.resumesAt ?? '').to.equal('');
      await expectNoCrash(stack, 'real-lim');
    });
  });

  describe('an API key: 429 with retry-after, 529 overloaded', () => {
    let api: ScriptedMessagesApi;
    let stack: AgentStack;
    before(async () => {
      api = await startScriptedMessagesApi();
      stack = await realStack(api, { ...offlineClaudeEnv(api.url), CLAUDE_CODE_MAX_RETRIES: '2' }, { 'agent.fallback_model': 'claude-fallback-1' });
    });
    after(async () => {
      await stack?.cleanup();
      await api?.close();
    });
    afterEach(() => api.clearFaults());

    it('a 429 with a short retry-after, waited out by the CLI: parked with its retry time, then the turn and a queued message are answered once', async () => {
      await stack.createAgent({ id: 'real-429', model: 'claude-main-1' });
      await stack.startAgent('real-429');
      api.fault({ status: 429, count: 1, retryAfterS: 2, model: 'claude-main-1' });
      await stack.turn('real-429', 'hello through a 429');
      const message = await send(stack, 'real-429', 'queued behind the 429');
      const isMessage = (s: string): boolean => s.includes(`[message ${message.id}]`);
      await waitUntil(() => api.answered(isMessage) >= 1, 90_000);
      await stack.waitStatus('real-429', 'idle', 30_000);

      const [park] = await eventsOf(stack, 'agent.parked', 'real-429');
      expect(park!.data).to.include({ kind: 'rate-limit', inTurn: true, apiErrorStatus: 429 });
      const retry = (await conversation(stack, 'real-429')).find((e) => e.kind === 'api-retry')!;
      expect(retry.raw).to.include({ error_status: 429, error: 'rate_limit' });
      expect(retry.raw.retry_delay_ms as number, 'the CLI honours retry-after').to.be.at.least(2000);
      expect(Date.parse(park!.data.resumesAt as string)).to.be.above(Date.parse(park!.at));
      expect((await eventsOf(stack, 'agent.unparked', 'real-429')).map((e) => e.data.why)).to.deep.equal(['got-through']);
      const statuses = (await eventsOf(stack, 'agent.status', 'real-429')).map((e) => e.data.status);
      expect(statuses.slice(statuses.indexOf('parked'), statuses.indexOf('parked') + 2)).to.deep.equal(['parked', 'working']);
      expect(api.answered((s) => s === 'hello through a 429')).to.equal(1);
      expect(api.answered(isMessage)).to.equal(1);
      await expectNoCrash(stack, 'real-429');
    });

    it('a 429 the CLI gives up on: parked for its last retry delay, then the refused turn runs once by itself', async () => {
      await stack.createAgent({ id: 'real-429x', model: 'claude-main-2' });
      await stack.startAgent('real-429x');
      // the first try and both retries (CLAUDE_CODE_MAX_RETRIES=2) are refused
      api.fault({ status: 429, count: 3, retryAfterS: 1, model: 'claude-main-2' });
      await stack.turn('real-429x', 'hello after giving up');
      await waitUntil(() => api.answered((s) => s === 'hello after giving up') >= 1, 90_000);
      await stack.waitStatus('real-429x', 'idle', 30_000);
      // the conversation is written in batches (agent.conversation_flush_ms): wait for the answer's result
      await stack.waitResult('real-429x', 2, 30_000);

      const parks = (await eventsOf(stack, 'agent.parked', 'real-429x')).map((e) => e.data);
      const givenUp = parks.find((p) => p.inTurn === false)!;
      expect(givenUp).to.include({ kind: 'rate-limit', resetKnown: false, apiErrorStatus: 429 });
      const results = (await conversation(stack, 'real-429x')).filter((e) => e.kind === 'result');
      expect(results[0]!.raw).to.include({ is_error: true, api_error_status: 429 });
      expect(results.slice(1).map((r) => r.text)).to.deep.equal(['echo: hello after giving up']);
      const reply = api.requests.find((r) => r.status === 200 && r.script === 'hello after giving up')!;
      expect(reply.at!, 'sent again only once the park ended').to.be.at.least(Date.parse(givenUp.resumesAt as string));
      expect((await eventsOf(stack, 'agent.unparked', 'real-429x')).map((e) => e.data.why)).to.include('reset');
      await expectNoCrash(stack, 'real-429x');
    });

    it('529 overloaded: the CLI falls back to agent.fallback_model and answers; Nox says so (agent.model-fallback)', async () => {
      await stack.createAgent({ id: 'real-529', model: 'claude-main-3' });
      await stack.startAgent('real-529');
      api.fault({ status: 529, model: 'claude-main-3' });
      await stack.turn('real-529', 'hello while overloaded');
      const result = await stack.waitResult('real-529', 1, 90_000);
      expect(result.text).to.equal('echo: hello while overloaded');
      const [fallback] = await eventsOf(stack, 'agent.model-fallback', 'real-529');
      expect(fallback!.data).to.include({ from: 'claude-main-3', to: 'claude-fallback-1', trigger: 'overloaded' });
      expect(api.requests.some((r) => r.status === 200 && r.body?.model === 'claude-fallback-1')).to.equal(true);
      expect(await eventsOf(stack, 'agent.parked', 'real-529'), 'overload retries are not a park').to.have.length(0);
      await expectNoCrash(stack, 'real-529');
    });
  });
});
