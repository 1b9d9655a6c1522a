import { expect } from 'chai';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { AGENT_JOB, type TurnJob } from '../../shared/agents/agent-jobs.js';
import type { AgentRuntime } from '../../shared/agents/runtime-state.js';
import type { DomainEvent, HostInfo } from '../../shared/types.js';
import type { Cluster, ClusterHost } from '../support/cluster.js';
import { FAKE_CLAUDE } from '../support/fake-claude.js';
import { waitUntil } from '../support/harness.js';
import { userTurns } from '../support/transcripts.js';

/**
 * The many-machines scenarios (issue 15), run on plain host processes (host-drain.test.ts,
 * session-travel.test.ts) and under the namespace harness (netns-machines.test.ts): the
 * same assertions whatever separates the hosts.
 */

/** Every turn of the stand-in takes this long: a drain or a kill comes mid-turn. */
export const TURN_MS = 1500;

/** What the scenarios' hosts run: the stand-in, slow turns, one message per turn (so turns can be counted). */
export const SCENARIO_OVERRIDES: Readonly<Record<string, unknown>> = {
  'agent.command': process.execPath,
  'agent.args': [FAKE_CLAUDE],
  'agent.env': { FAKE_CLAUDE_TURN_DELAY_MS: String(TURN_MS) },
  'agent.store': 'registry',
  'agent.stop_grace_ms': 1000,
  'agent.sampling_interval_ms': 60_000,
  'messages.sweep_interval_ms': 300,
  'messages.batch_max': 1,
};

export async function waitRuntime(cluster: Cluster, agentId: string, check: (r: AgentRuntime) => boolean, timeoutMs = 30_000): Promise<AgentRuntime> {
  let last: AgentRuntime | undefined;
  await waitUntil(async () => {
    last = await cluster.runtime(agentId);
    return last !== undefined && check(last);
  }, timeoutMs).catch(() => {
    throw new Error(`agent ${agentId}: runtime never matched; last ${JSON.stringify(last)}`);
  });
  return last!;
}

export async function sendMessage(cluster: Cluster, to: string, content: string): Promise<string> {
  return (await cluster.json<{ id: string }>('POST', '/api/messages', 202, { body: { to, content } })).id;
}

/** How often the turns on a host's disk hold the message (its `[message <id>]` marker). */
export function readCount(host: ClusterHost, agentId: string, sessionId: string, messageId: string): number {
  return userTurns(host.transcript(agentId, sessionId)).filter((t) => t.includes(`[message ${messageId}]`)).length;
}

/** The assistant's replies in the session on a host's disk. */
export function replies(host: ClusterHost, agentId: string, sessionId: string): string[] {
  return host
    .transcript(agentId, sessionId)
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { type: string; text?: string })
    .filter((e) => e.type === 'assistant')
    .map((e) => e.text ?? '');
}

/** The stand-in's `history` turn: how many user turns the session on `host` holds, itself included. */
export async function historyLength(cluster: Cluster, host: ClusterHost, agentId: string, sessionId: string): Promise<number> {
  const before = replies(host, agentId, sessionId).filter((r) => r.startsWith('history ')).length;
  await cluster.json('POST', `/api/agents/${agentId}/turn`, 202, { body: { text: 'history' } });
  await waitUntil(() => replies(host, agentId, sessionId).filter((r) => r.startsWith('history ')).length > before, 20_000);
  return Number(replies(host, agentId, sessionId).filter((r) => r.startsWith('history ')).at(-1)!.split(' ')[1]);
}

export async function hostOf(cluster: Cluster, hostId: string): Promise<HostInfo | undefined> {
  return (await cluster.json<{ hosts: HostInfo[] }>('GET', '/api/system/hosts', 200)).hosts.find((h) => h.id === hostId);
}

/** How many times the agent's process came up on `hostId` resuming its session (the `resumed` idle). */
function isResumedOn(e: DomainEvent<Record<string, unknown>>, agentId: string, hostId: string): boolean {
  return e.type === 'agent.status' && e.agentId === agentId && e.hostId === hostId && e.data.status === 'idle' && e.data.reason === 'resumed';
}
function resumedOn(events: DomainEvent<Record<string, unknown>>[], agentId: string, hostId: string): number {
  return events.filter((e) => isResumedOn(e, agentId, hostId)).length;
}

/** `message.delivered` events for one message and agent. */
export async function deliveries(cluster: Cluster, agentId: string, messageId: string): Promise<number> {
  return (await cluster.events()).filter((e) => e.type === 'message.delivered' && e.agentId === agentId && e.data.messageId === messageId).length;
}

/**
 * Drain (issue 15, item 4): an agent placed on `a` (then `b` starts) with one message read; a second message's turn
 * is running when `a` is asked to drain, a third is sent during the drain. The turn in
 * flight ends on `a` (never cut), then the agent moves to `b` with its session: same
 * session id, the turns read on `a` in the transcript `b` continues, the third message read
 * on `b` — each message delivered exactly once — and `a` turns `drained`.
 */
export async function drainMovesAnAgent(cluster: Cluster, a: ClusterHost, startB: () => Promise<ClusterHost>, agentId: string): Promise<void> {
  await cluster.json('POST', '/api/agents', 201, { body: { id: agentId, start: true } });
  const first = await waitRuntime(cluster, agentId, (r) => r.status === 'idle' && r.hostId === a.id);
  const session = first.sessionId!;
  const b = await startB();

  const before = await sendMessage(cluster, agentId, 'sent before the drain');
  // the turn's reply, then idle: a runtime read just after the message was read can still
  // say the idle of before the turn
  await waitUntil(() => readCount(a, agentId, session, before) === 1 && replies(a, agentId, session).length === 1, 20_000);
  await waitRuntime(cluster, agentId, (r) => r.status === 'idle');

  const inTurn = await sendMessage(cluster, agentId, 'read while the drain is asked for');
  // the turn is in flight on a: its message read there, no reply yet (turns take TURN_MS)
  await waitUntil(() => readCount(a, agentId, session, inTurn) === 1, 20_000);
  expect(replies(a, agentId, session), 'the drain comes while the turn runs').to.have.length(1);
  const drain = await cluster.json<{ hostId: string; state: string; changed: boolean }>('POST', `/api/system/hosts/${a.id}/drain`, 200, { role: 'operator' });
  expect(drain).to.deep.equal({ hostId: a.id, state: 'draining', changed: true });
  const during = await sendMessage(cluster, agentId, 'sent during the drain');
  const listed = await hostOf(cluster, a.id);
  expect(listed?.cordoned, 'a drain cordons').to.equal(true);
  expect(listed?.drain).to.be.oneOf(['draining', 'drained']);

  const moved = await waitRuntime(cluster, agentId, (r) => r.status === 'idle' && r.hostId === b.id);
  expect(moved.sessionId, 'same session').to.equal(session);
  await waitUntil(() => readCount(b, agentId, session, during) === 1, 20_000);
  await waitUntil(async () => (await hostOf(cluster, a.id))?.drain === 'drained', 20_000);

  // the turn in flight when the drain came ended on `a`, with its reply: not cut, not re-sent
  expect(readCount(a, agentId, session, inTurn)).to.equal(1);
  expect(replies(a, agentId, session).length, 'a reply for each turn read on a').to.equal(userTurns(a.transcript(agentId, session)).length);
  // b continues the session a wrote: before, inTurn (restored), during, and `history` itself
  for (const id of [before, inTurn, during]) expect(readCount(b, agentId, session, id), `message ${id} in the session on b`).to.equal(1);
  expect(await historyLength(cluster, b, agentId, session)).to.equal(4);
  for (const id of [before, inTurn, during]) expect(await deliveries(cluster, agentId, id), `deliveries of ${id}`).to.equal(1);
  // a turn put on a's queue as the agent left (the API picked a a moment before) follows it to b
  const late: TurnJob = { agentId, text: 'late for a', correlationId: `late-${agentId}`, requestedBy: 'test' };
  await cluster.apiCtx.queue(cluster.apiCtx.keys.hostQueue(a.id)).add(AGENT_JOB.turn, late, { jobId: late.correlationId });
  await waitUntil(() => userTurns(b.transcript(agentId, session)).includes('late for a'), 20_000);

  const events = await cluster.events();
  const statuses = events.filter((e) => e.type === 'agent.status' && e.agentId === agentId).map((e) => `${String(e.data.status)}${e.hostId ? `@${e.hostId}` : ''}`);
  const stop = statuses.indexOf(`stopping@${a.id}`);
  expect(stop, statuses.join(' ')).to.be.greaterThan(0);
  expect(statuses[stop - 1], 'handed over between turns').to.equal(`idle@${a.id}`);
  expect(statuses.slice(stop, stop + 2)).to.deep.equal([`stopping@${a.id}`, `restarting@${a.id}`]);
  expect(statuses.some((s) => s.startsWith('crashed')), statuses.join(' ')).to.equal(false);
  expect(resumedOn(events, agentId, b.id), 'the session resumed on b').to.equal(1);
  expect(events.filter((e) => e.type === 'agent.moving' && e.agentId === agentId)).to.have.length(1);
  expect(events.filter((e) => e.type === 'host.draining' && e.hostId === a.id)).to.have.length(1);
  expect(events.filter((e) => e.type === 'host.drained' && e.hostId === a.id)).to.have.length(1);
}

/**
 * A host whose folder is empty (issue 15, items 1 and 6): an agent made through the API
 * with `b`'s label lands on `b`, which starts it and answers its turn; `b`'s folder holds
 * the agent's runtime files and no registry.
 */
export async function emptyFolderRunsAgent(cluster: Cluster, b: ClusterHost, label: Record<string, string>, agentId: string): Promise<void> {
  await cluster.json('POST', '/api/agents', 201, { body: { id: agentId, labels: label, start: true } });
  const runtime = await waitRuntime(cluster, agentId, (r) => r.status === 'idle');
  expect(runtime.hostId).to.equal(b.id);
  expect(runtime.reason ?? '').to.not.match(/not-found/);
  await cluster.json('POST', `/api/agents/${agentId}/turn`, 202, { body: { text: 'hello from machine a' } });
  await waitUntil(() => userTurns(b.transcript(agentId, runtime.sessionId!)).includes('hello from machine a'), 20_000);
  expect(existsSync(b.see(path.join(b.machine.registryDir, '.runtime'))), "b's folder holds its runtime files").to.equal(true);
  expect(existsSync(b.see(path.join(b.machine.registryDir, 'agents.toml')))).to.equal(false);
  expect(existsSync(b.see(path.join(b.machine.registryDir, '.git')))).to.equal(false);
}

/**
 * SIGKILL of a host running agents (issue 15, items 3 and 6): each agent has read a message
 * on `a` (its transcript mirrored as the turn ended) and is in the middle of a second one
 * when `a` is killed; a third is sent while no host runs it. Once `a`'s heartbeat has
 * expired, a live host fails the agents over to `b` — whose disk never held their sessions
 * — which restores each transcript from Redis and resumes it: same session; the message
 * read on `a` is in it once, the one cut by the kill (not in the mirror) and the one sent
 * meanwhile are each read once on `b`. Returns how long each agent took from the kill to
 * its process resumed on `b` (event times).
 */
export async function failoverKeepsSessions(cluster: Cluster, a: ClusterHost, startB: () => Promise<ClusterHost>, agentIds: readonly string[]): Promise<number[]> {
  const sessions = new Map<string, string>();
  const before = new Map<string, string>();
  for (const id of agentIds) await cluster.json('POST', '/api/agents', 201, { body: { id, start: true } });
  for (const id of agentIds) {
    sessions.set(id, (await waitRuntime(cluster, id, (r) => r.status === 'idle' && r.hostId === a.id)).sessionId!);
    before.set(id, await sendMessage(cluster, id, 'remember the number 42'));
  }
  for (const id of agentIds) {
    const [session, msg] = [sessions.get(id)!, before.get(id)!];
    await waitUntil(() => readCount(a, id, session, msg) === 1, 20_000);
    // the turn's end mirrored the transcript to Redis
    await waitUntil(async () => {
      const data = await cluster.apiCtx.redis.hgetBuffer(cluster.apiCtx.keys.agentSession(id), 'data');
      return data !== null && gunzipSync(data).toString('utf8').includes(`[message ${msg}]`);
    }, 10_000);
    await waitRuntime(cluster, id, (r) => r.status === 'idle');
  }
  const b = await startB();
  for (const id of agentIds) expect(b.transcript(id, sessions.get(id)!), `${b.id} never held ${id}'s session`).to.equal('');

  const cut = new Map<string, string>();
  for (const id of agentIds) cut.set(id, await sendMessage(cluster, id, 'cut short by the kill'));
  // each is seen mid-turn (the turns run side by side); then the kill
  await Promise.all(agentIds.map((id) => waitRuntime(cluster, id, (r) => r.status === 'working')));
  a.child.kill('SIGKILL');
  const killedAt = Date.now();
  const during = new Map<string, string>();
  for (const id of agentIds) during.set(id, await sendMessage(cluster, id, 'sent while its host was dead'));

  for (const id of agentIds) {
    const moved = await waitRuntime(cluster, id, (r) => r.status === 'idle' && r.hostId === b.id);
    expect(moved.sessionId, 'same session').to.equal(sessions.get(id));
  }
  for (const id of agentIds) {
    const session = sessions.get(id)!;
    await waitUntil(() => readCount(b, id, session, cut.get(id)!) === 1 && readCount(b, id, session, during.get(id)!) === 1, 20_000);
    for (const msg of [before.get(id)!, cut.get(id)!, during.get(id)!]) expect(readCount(b, id, session, msg), `${id}: message ${msg} read once in the session`).to.equal(1);
    // the turn from machine a (restored), the two read on b, and `history` itself
    expect(await historyLength(cluster, b, id, session)).to.equal(4);
    expect(await deliveries(cluster, id, during.get(id)!)).to.equal(1);
  }
  const events = await cluster.events();
  for (const id of agentIds) {
    expect(events.filter((e) => e.type === 'agent.failover' && e.agentId === id)).to.have.length(1);
    expect(resumedOn(events, id, b.id), `${id} resumed its session on ${b.id}`).to.equal(1);
  }
  // when each came up again (its `resumed` idle), from the kill
  return agentIds.map((id) => Date.parse(events.find((e) => isResumedOn(e, id, b.id))!.at) - killedAt);
}
