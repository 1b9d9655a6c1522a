import type { ChildProcess } from 'node:child_process';
import { expect } from 'chai';
import { readRuntime } from '../../shared/agents/runtime-state.js';
import { enqueueBatch, enqueueMessage } from '../../shared/messages/message-sender.js';
import { newMessage, type Message } from '../../shared/messages/message-model.js';
import { MESSAGE_JOB } from '../../shared/messages/message-jobs.js';
import { FAKE_CLAUDE } from '../agents/agent-stack.js';
import { startApiWithWorkers, type ApiWithWorkers } from '../support/worker-process.js';
import { tokenFor, waitUntil } from '../support/harness.js';
import { userTurnsOf } from '../support/transcripts.js';

/**
 * 2,000 messages to 4 stand-in agents run by a worker host in a child process; the host is
 * SIGKILLed while it delivers (its agents lose their pipes mid-stream), a new host process
 * takes over (adoption: the orphaned agents are killed and resumed), and some routing jobs
 * run again as a retried job would. Most are low priority, so claims of several messages
 * (batched turns) are cut through too. Every message must appear in its agent's session
 * transcript — what the stand-in recorded reading on stdin — exactly once.
 */
describe('messages: exactly once to stdin across a SIGKILLed worker (2,000 messages)', function () {
  // typically 10-20 s; the margin is for a machine shared with other work
  this.timeout(150_000);
  const AGENTS = ['eo-1', 'eo-2', 'eo-3', 'eo-4'];
  const TOTAL = 2000;
  let stack: ApiWithWorkers;
  let config: ApiWithWorkers['config'];
  let apiCtx: ApiWithWorkers['apiCtx'];
  let api: ApiWithWorkers['api'];
  const overrides = {
    'agent.command': process.execPath,
    'agent.args': [FAKE_CLAUDE],
    // turns that take a while and small batches, so the kill finds deliveries in progress
    'agent.env': { FAKE_CLAUDE_START_DELAY_MS: '3', FAKE_CLAUDE_TURN_DELAY_MS: '40' },
    'messages.batch_max': 3,
    'agent.store': 'redis',
    'agent.registry_appends': false,
    'agent.stop_grace_ms': 1000,
    'agent.restart_backoff_ms': 100,
    'agent.sampling_interval_ms': 60_000,
    'worker.host_id': 'eo-host',
    'worker.concurrency': 16,
    'messages.sweep_interval_ms': 300,
  };

  const startWorker = (): Promise<ChildProcess> => stack.startWorker();

  before(async () => {
    stack = await startApiWithWorkers(overrides);
    ({ config, apiCtx, api } = stack);
  });
  after(() => stack.cleanup());
  const call = (method: string, urlPath: string, body?: unknown): Promise<Response> =>
    fetch(`${api.url}${urlPath}`, { method, headers: { authorization: `Bearer ${tokenFor('admin')}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });

  const markersOf = async (agentId: string): Promise<string[]> =>
    (await userTurnsOf(config, apiCtx, agentId)).flatMap((text) => [...text.matchAll(/\[message (m-[0-9a-f-]+)\]/g)].map((m) => m[1]!));
  const received = async (): Promise<string[]> => (await Promise.all(AGENTS.map(markersOf))).flat();

  it('every message reaches its agent exactly once', async () => {
    const first = await startWorker();
    for (const id of AGENTS) {
      expect((await call('POST', '/api/agents', { id })).status).to.equal(201);
      expect((await call('POST', `/api/agents/${id}/start`)).status).to.equal(202);
    }
    await waitUntil(async () => (await Promise.all(AGENTS.map((id) => readRuntime(apiCtx.redis, apiCtx.keys, id)))).every((r) => r?.status === 'idle'), 20_000);

    const messages: Message[] = [];
    for (let i = 0; i < TOTAL; i++) {
      messages.push(newMessage({ to: AGENTS[i % AGENTS.length]!, message_type: 'text', content: `n${i}`, priority: i % 5 < 3 ? 'low' : i % 7 === 0 ? 'high' : 'normal', metadata: {} }, 'user:bench'));
    }
    const envelope = { correlationId: 'kill-test', requestedBy: 'user:test' };
    const send = async (batch: Message[]): Promise<void> => {
      for (let i = 0; i < batch.length; i += 100) await Promise.all(batch.slice(i, i + 100).map((m) => enqueueMessage(apiCtx, m, envelope)));
    };
    const FIRST = 1200;
    await send(messages.slice(0, FIRST));

    // Kill the host while it is delivering, once routing is done: a routing job killed while
    // active would only come back after BullMQ's lock expires (30 s), and what a retried
    // routing job does is replayed below instead.
    const queue = apiCtx.queue('messages');
    await waitUntil(async () => {
      const c = await queue.getJobCounts('waiting', 'active', 'prioritized', 'delayed');
      return Object.values(c).every((n) => n === 0);
    }, 30_000);
    await waitUntil(async () => (await received()).length >= 400, 30_000);
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const atKill = (await received()).length;
    expect(atKill).to.be.below(FIRST);
    // the dead host left claims it never confirmed: the new one must settle them from the transcripts
    const uncertain = (await Promise.all(AGENTS.map((id) => apiCtx.redis.hlen(apiCtx.keys.agentInflight(id))))).reduce((a, b) => a + b, 0);
    expect(uncertain).to.be.above(0);
    await waitUntil(async () => (await apiCtx.redis.exists(apiCtx.keys.hostAlive('eo-host'))) === 0, 5000);

    // the rest of the 2,000 arrive while no host runs, in batches (POST /api/messages/batch's
    // route-batch jobs); and what a retried routing job does: route the first 200 messages
    // again, one by one and as a batch
    const rest = messages.slice(FIRST);
    for (let i = 0; i < rest.length; i += 100) await enqueueBatch(apiCtx, rest.slice(i, i + 100), envelope);
    await Promise.all(messages.slice(0, 200).map((m) => queue.add(MESSAGE_JOB.route, { ...envelope, message: m }, { jobId: `retry.${m.id}`, priority: 10 })));
    await queue.add(MESSAGE_JOB.routeBatch, { ...envelope, messages: messages.slice(0, 200) }, { jobId: 'retry-batch', priority: 10 });

    await startWorker();
    await waitUntil(async () => (await received()).length >= TOTAL, 60_000).catch(async () => {
      throw new Error(`only ${(await received()).length} of ${TOTAL} delivered`);
    });
    await new Promise((r) => setTimeout(r, 700)); // let any duplicate show itself

    const counts = new Map<string, number>();
    for (const id of await received()) counts.set(id, (counts.get(id) ?? 0) + 1);
    const doubled = [...counts].filter(([, n]) => n > 1);
    const missing = messages.filter((m) => !counts.has(m.id));
    expect(doubled, `delivered twice: ${doubled.slice(0, 5).join(' ')}`).to.deep.equal([]);
    expect(missing.map((m) => m.id)).to.deep.equal([]);
    expect(counts.size).to.equal(TOTAL);
    await waitUntil(async () => (await Promise.all(AGENTS.map((id) => apiCtx.redis.hlen(apiCtx.keys.agentInflight(id))))).every((n) => n <= 1), 5000);
    // and each went to the agent it was addressed to
    for (const agentId of AGENTS) {
      const mine = new Set(await markersOf(agentId));
      expect(messages.filter((m) => m.to === agentId).every((m) => mine.has(m.id))).to.equal(true);
    }
  });
});
