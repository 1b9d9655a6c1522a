import { expect } from 'chai';
import type { AgentRuntime } from '../../shared/agents/runtime-state.js';
import type { HostInfo } from '../../shared/types.js';
import type { Cluster, ClusterHost } from '../support/cluster.js';
import { waitUntil } from '../support/harness.js';
import { userTurns } from '../support/transcripts.js';

/**
 * The many-machines scenarios (issue 15), run on plain host processes (host-drain.test.ts,
 * session-travel.test.ts) and under the namespace harness (netns-machines.test.ts): the
 * same assertions whatever separates the hosts.
 */

/** Every turn of the stand-in takes this long: a drain asked for mid-turn must wait for the turn's end. */
export const TURN_MS = 1500;

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

/** `message.delivered` events for one message and agent. */
export async function deliveries(cluster: Cluster, agentId: string, messageId: string): Promise<number> {
  return (await cluster.events()).filter((e) => e.type === 'message.delivered' && e.agentId === agentId && e.data.messageId === messageId).length;
}

/**
 * Drain (issue 15, item 4): an agent on `a` with one message read; a second message's turn
 * is running when `a` is asked to drain, a third is sent during the drain. The turn in
 * flight ends on `a` (never cut), then the agent moves to `b` with its session: same
 * session id, the turns read on `a` in the transcript `b` continues, the third message read
 * on `b` — each message delivered exactly once — and `a` turns `drained`.
 */
export async function drainMovesAnAgent(cluster: Cluster, a: ClusterHost, b: ClusterHost, agentId: string): Promise<void> {
  await cluster.json('POST', '/api/agents', 201, { body: { id: agentId, start: true } });
  const first = await waitRuntime(cluster, agentId, (r) => r.status === 'idle' && r.hostId === a.id);
  const session = first.sessionId!;

  const before = await sendMessage(cluster, agentId, 'sent before the drain');
  await waitUntil(() => readCount(a, agentId, session, before) === 1, 20_000);
  await waitRuntime(cluster, agentId, (r) => r.status === 'idle');

  const inTurn = await sendMessage(cluster, agentId, 'read while the drain is asked for');
  await waitRuntime(cluster, agentId, (r) => r.status === 'working');
  const drain = await cluster.json<{ hostId: string; state: string; changed: boolean }>('POST', `/api/system/hosts/${a.id}/drain`, 200, { role: 'operator' });
  expect(drain).to.deep.equal({ hostId: a.id, state: 'draining', changed: true });
  const during = await sendMessage(cluster, agentId, 'sent during the drain');
  const listed = await hostOf(cluster, a.id);
  expect(listed?.cordoned, 'a drain cordons').to.equal(true);
  expect(listed?.drain).to.be.oneOf(['draining', 'drained']);

  const moved = await waitRuntime(cluster, agentId, (r) => r.status === 'idle' && r.hostId === b.id);
  expect(moved.sessionId, 'same session').to.equal(session);
  expect(moved.reason).to.equal('resumed');
  await waitUntil(() => readCount(b, agentId, session, during) === 1, 20_000);
  await waitUntil(async () => (await hostOf(cluster, a.id))?.drain === 'drained', 20_000);

  // the turn in flight when the drain came ended on `a`, with its reply: not cut, not re-sent
  expect(readCount(a, agentId, session, inTurn)).to.equal(1);
  expect(replies(a, agentId, session).length, 'a reply for each turn read on a').to.equal(userTurns(a.transcript(agentId, session)).length);
  // b continues the session a wrote: before, inTurn (restored), during, and `history` itself
  for (const id of [before, inTurn, during]) expect(readCount(b, agentId, session, id), `message ${id} in the session on b`).to.equal(1);
  expect(await historyLength(cluster, b, agentId, session)).to.equal(4);
  for (const id of [before, inTurn, during]) expect(await deliveries(cluster, agentId, id), `deliveries of ${id}`).to.equal(1);

  const events = await cluster.events();
  const statuses = events.filter((e) => e.type === 'agent.status' && e.agentId === agentId).map((e) => `${String(e.data.status)}${e.hostId ? `@${e.hostId}` : ''}`);
  const stop = statuses.indexOf(`stopping@${a.id}`);
  expect(stop, statuses.join(' ')).to.be.greaterThan(0);
  expect(statuses[stop - 1], 'handed over between turns').to.equal(`idle@${a.id}`);
  expect(statuses.slice(stop, stop + 2)).to.deep.equal([`stopping@${a.id}`, `restarting@${a.id}`]);
  expect(statuses.some((s) => s.startsWith('crashed')), statuses.join(' ')).to.equal(false);
  expect(events.filter((e) => e.type === 'agent.moving' && e.agentId === agentId)).to.have.length(1);
  expect(events.filter((e) => e.type === 'host.draining' && e.hostId === a.id)).to.have.length(1);
  expect(events.filter((e) => e.type === 'host.drained' && e.hostId === a.id)).to.have.length(1);
}
