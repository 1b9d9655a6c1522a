import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { Message } from '../../shared/messages/message-model.js';
import { agentConfigDir } from '../../workers/agents/claude-cli/command-line.js';
import { isSameProcess } from '../../workers/agents/proc-info.js';
import { waitUntil } from '../support/harness.js';
import { startAgentStack, type AgentStack } from './agent-stack.js';

/**
 * Usage limits with the stand-in (issue 18, item 4): its `limit <s>` turn answers as the real
 * CLI does when a subscription's usage limit is reached (a rejected rate_limit_event with
 * `resetsAt`, a synthetic error, an is_error result with api_error_status 429), and refuses
 * every turn until then. The agent is parked until that time, turns and messages wait, and at
 * that time it resumes by itself; each waiting turn runs once; nothing counts as a crash.
 */
type Entry = { at: string; kind: string; text?: string; raw: Record<string, unknown> };

describe('usage limits park an agent until their reset (stand-in)', function () {
  this.timeout(60_000);
  let stack: AgentStack;
  before(async () => {
    // a host restart here is one on the same machine: no failover to another host
    stack = await startAgentStack({ overrides: { 'agent.failover': false, 'agent.circuit_max_crashes': 2, 'messages.sweep_interval_ms': 200 } });
  });
  after(async () => {
    await stack.cleanup();
  });

  const conversation = async (agentId: string): Promise<Entry[]> =>
    (await stack.json<{ entries: Entry[] }>('GET', `/api/agents/${agentId}/conversation?limit=1000`, 200)).entries;
  const results = async (agentId: string): Promise<Entry[]> => (await conversation(agentId)).filter((e) => e.kind === 'result');
  const statuses = async (agentId: string): Promise<{ status: string; reason: string | null }[]> =>
    (await stack.events('agent.status')).filter((e) => e.agentId === agentId).map((e) => e.data as { status: string; reason: string | null });
  const send = (to: string, content: string): Promise<{ id: string; message: Message }> => stack.json('POST', '/api/messages', 202, { body: { to, content, message_type: 'request' } });
  const notACrash = async (agentId: string): Promise<void> => {
    const runtime = (await stack.runtime(agentId))!;
    expect(runtime.restarts, 'restarts').to.equal(0);
    expect(runtime.circuitOpen).to.equal(false);
    expect((await statuses(agentId)).map((s) => s.status)).to.not.include.members(['crashed', 'restarting', 'failed']);
    expect((await stack.events('agent.circuit-open')).filter((e) => e.agentId === agentId)).to.have.length(0);
  };

  it('parks at the limit until its reset time; a turn and a message sent meanwhile wait, then each runs once; not a crash', async () => {
    await stack.createAgent({ id: 'lim' });
    const started = await stack.startAgent('lim');
    await stack.turn('lim', 'limit 3');
    const parked = await stack.waitStatus('lim', 'parked');
    expect(parked.reasonCode).to.equal('nox:agent-parked');
    expect(parked.reason).to.match(/^usage limit reached \(five_hour\): resumes at /);
    // the time is the CLI's resetsAt (epoch seconds), exactly
    // the conversation is written in batches (conversation-flush): wait for the line to land
    let limitEvent: Entry | undefined;
    await waitUntil(async () => (limitEvent = (await conversation('lim')).find((e) => e.kind === 'rate-limit')) !== undefined, 15_000);
    if (!limitEvent) throw new Error('no rate-limit line in the conversation');
    const resetsAt = (limitEvent.raw.rate_limit_info as { resetsAt: number }).resetsAt;
    const resumesAt = Date.parse(parked.resumesAt!);
    expect(resumesAt).to.equal(resetsAt * 1000);
    const park = (await stack.events('agent.parked')).find((e) => e.agentId === 'lim')!.data as Record<string, unknown>;
    expect(park).to.include({ kind: 'usage-limit', resetKnown: true, inTurn: false, rateLimitType: 'five_hour', apiErrorStatus: 429, resumesAt: parked.resumesAt });
    expect(park.said).to.match(/^You've hit your 5-hour limit/);

    await stack.turn('lim', 'sent during the park');
    const message = await send('lim', 'a message during the park');

    // it resumes by itself: the refused turn, the waiting turn, then the message
    await waitUntil(async () => (await results('lim')).length >= 4, 30_000);
    const entries = await conversation('lim');
    const turns = entries.filter((e) => e.kind === 'turn');
    expect(turns.map((t) => t.text!.split('\n').at(-1))).to.deep.equal(['limit 3', 'limit 3', 'sent during the park', 'a message during the park']);
    expect(turns[3]!.text).to.contain(`[message ${message.id}]`);
    for (const t of turns.slice(1)) expect(Date.parse(t.at), `${t.text} written before the reset`).to.be.at.least(resumesAt);
    const answers = (await results('lim')).map((r) => r.text ?? '');
    expect(answers).to.have.length(4);
    expect(answers[0]).to.match(/^You've hit your 5-hour limit/);
    expect(answers.slice(1, 3)).to.deep.equal(['limit over', 'echo: sent during the park']);
    expect(answers[3]).to.match(new RegExp(`^echo: \\[message ${message.id}\\]`));

    const back = await stack.waitStatus('lim', 'idle');
    expect(back.resumesAt ?? '').to.equal('');
    expect(back.reasonCode ?? '').to.equal('');
    expect(back.pid, 'the same process throughout').to.equal(started.pid);
    const seq = await statuses('lim');
    const at = seq.findIndex((s) => s.status === 'parked');
    expect(seq[at + 1]).to.deep.include({ status: 'idle', reason: 'usage limit reset' });
    const unparked = (await stack.events('agent.unparked')).filter((e) => e.agentId === 'lim');
    expect(unparked).to.have.length(1);
    expect(unparked[0]!.data).to.include({ why: 'reset' });
    await notACrash('lim');
  });

  it('a message turn the limit refuses goes back to the inbox and is answered once after the reset', async () => {
    await stack.createAgent({ id: 'lim-msg' });
    await stack.startAgent('lim-msg');
    // the login is limited before Nox knows: the first message delivered is refused
    const dir = agentConfigDir(stack.config, 'lim-msg');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'fake-limit.json'), JSON.stringify({ resetsAt: Math.ceil(Date.now() / 1000) + 3 }));
    const message = await send('lim-msg', 'hello through the inbox');
    const parked = await stack.waitStatus('lim-msg', 'parked');
    const resumesAt = Date.parse(parked.resumesAt!);
    await waitUntil(async () => (await results('lim-msg')).length >= 2, 30_000);
    await stack.waitStatus('lim-msg', 'idle');
    const entries = await conversation('lim-msg');
    const turns = entries.filter((e) => e.kind === 'turn');
    expect(turns).to.have.length(2);
    for (const t of turns) expect(t.text).to.contain(`[message ${message.id}]`);
    expect(Date.parse(turns[1]!.at)).to.be.at.least(resumesAt);
    const answers = (await results('lim-msg')).filter((r) => r.text?.startsWith('echo: ') && r.text.includes(message.id));
    expect(answers, 'answered once').to.have.length(1);
    // nothing left waiting or in flight: the redelivery was confirmed
    await waitUntil(async () => (await stack.apiCtx.redis.zcard(stack.apiCtx.keys.agentInbox('lim-msg'))) === 0 && (await stack.apiCtx.redis.hlen(stack.apiCtx.keys.agentInflight('lim-msg'))) === 0, 10_000);
    await notACrash('lim-msg');
  });

  it('a 429 the CLI waits out within the turn: parked with its retry time, working again when it gets through', async () => {
    await stack.createAgent({ id: 'lim-retry' });
    await stack.startAgent('lim-retry');
    await stack.turn('lim-retry', 'retry 1500');
    await stack.turn('lim-retry', 'queued behind it');
    await waitUntil(async () => (await results('lim-retry')).length >= 2, 20_000);
    expect((await results('lim-retry')).map((r) => r.text)).to.deep.equal(['retried', 'echo: queued behind it']);
    const seq = (await statuses('lim-retry')).map((s) => s.status);
    expect(seq.slice(seq.indexOf('parked') - 1, seq.indexOf('parked') + 3)).to.deep.equal(['working', 'parked', 'working', 'idle']);
    const park = (await stack.events('agent.parked')).find((e) => e.agentId === 'lim-retry')!.data as Record<string, unknown>;
    expect(park).to.include({ kind: 'rate-limit', inTurn: true, apiErrorStatus: 429 });
    expect((await stack.events('agent.unparked')).find((e) => e.agentId === 'lim-retry')!.data).to.include({ why: 'got-through' });
    await notACrash('lim-retry');
  });

  it('the park survives a host restart: the next host waits out the stored time, then runs the waiting message', async () => {
    const old = stack.hosts[0]!;
    await stack.createAgent({ id: 'lim-host' });
    const before = await stack.startAgent('lim-host');
    await stack.turn('lim-host', 'limit 4');
    const parked = await stack.waitStatus('lim-host', 'parked');
    const resumesAt = Date.parse(parked.resumesAt!);
    const message = await send('lim-host', 'still here after the restart');

    await stack.crashHost(old);
    const fresh = await stack.addHost({ 'worker.host_id': old.id });
    await waitUntil(() => !isSameProcess(before.pid!, 0), 5000);
    // the new process starts parked (the stored time), not idle
    const again = await stack.waitStatus('lim-host', 'parked');
    expect(again.pid).to.not.equal(before.pid);
    expect(again.resumesAt).to.equal(parked.resumesAt);

    await waitUntil(async () => (await results('lim-host')).some((r) => r.text?.includes(message.id)), 30_000);
    const turns = (await conversation('lim-host')).filter((e) => e.kind === 'turn');
    const delivered = turns.filter((t) => t.text!.includes(message.id));
    expect(delivered, 'the message once').to.have.length(1);
    expect(Date.parse(delivered[0]!.at)).to.be.at.least(resumesAt);
    const r = await stack.waitStatus('lim-host', 'idle');
    expect(r.hostId).to.equal(fresh.id);
    expect(r.resumesAt ?? '').to.equal('');
  });
});
