import { expect } from 'chai';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { readRuntime } from '../../shared/agents/runtime-state.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import type { DomainEvent } from '../../shared/types.js';
import { readTranscript } from '../../workers/messages/deliverer.js';
import { startRegistryWriter, type RegistryWriter } from '../../workers/registry/registry-writer.js';
import { FAKE_CLAUDE } from '../agents/agent-stack.js';
import { apiCaller } from '../support/api-caller.js';
import { testContext, waitUntil } from '../support/harness.js';
import { userTurns } from '../support/transcripts.js';
import { startApiWithWorkers, type ApiWithWorkers } from '../support/worker-process.js';

/**
 * Sessions travel (issue 15, item 3): two worker hosts as processes, each with its own
 * folder (its registry folder absent, its own CLI config folders), the API and the registry
 * writer on a third "machine". The host running an agent is SIGKILLed; the agent fails over
 * to the other host, whose disk never held the session: the transcript comes from its
 * Redis mirror, the CLI resumes it (same session id, the earlier turns in it), and a message
 * sent while the agent was down is delivered exactly once.
 */
describe('hosts: an agent moved to another machine continues its session', function () {
  this.timeout(120_000);
  let stack: ApiWithWorkers;
  let writerCtx: NoxContext;
  let writer: RegistryWriter;
  const roots: string[] = [];
  const overrides = {
    'agent.command': process.execPath,
    'agent.args': [FAKE_CLAUDE],
    'agent.store': 'registry',
    'agent.stop_grace_ms': 1000,
    'agent.sampling_interval_ms': 60_000,
    'messages.sweep_interval_ms': 300,
  };
  const machine = (): { registryDir: string; workspace: string } => {
    const root = mkdtempSync(path.join(tmpdir(), 'nox-machine-'));
    roots.push(root);
    return { registryDir: path.join(root, '.nox-registry'), workspace: path.join(root, '.nox-work') };
  };
  const hostOn = (id: string, m: { registryDir: string; workspace: string }) =>
    stack.startWorker({ 'registry.reads': 'auto', 'worker.host_id': id, 'agent.workspace_root': m.workspace }, { registryDir: m.registryDir });
  const configDirOn = (m: { registryDir: string }, agentId: string): string => path.join(m.registryDir, '.runtime', 'agents', agentId, 'claude');

  before(async () => {
    stack = await startApiWithWorkers(overrides);
    writerCtx = testContext(stack.config, 'worker');
    writer = await startRegistryWriter(writerCtx, { watchTasks: false });
  });
  after(async () => {
    await stack.cleanup();
    await writer.close();
    await writerCtx.close();
    for (const r of roots) rmSync(r, { recursive: true, force: true });
  });

  it('SIGKILL of its host: the agent resumes the same session on the other machine, each message delivered once', async () => {
    const { api, apiCtx } = stack;
    const { json } = apiCaller(api.url);
    const a = machine();
    const b = machine();
    const hostA = await hostOn('travel-a', a);
    await json('POST', '/api/agents', 201, { body: { id: 'traveler', start: true } });
    await waitUntil(async () => {
      const r = await readRuntime(apiCtx.redis, apiCtx.keys, 'traveler');
      return r?.status === 'idle' && r.hostId === 'travel-a';
    }, 30_000);
    const session = (await readRuntime(apiCtx.redis, apiCtx.keys, 'traveler'))!.sessionId!;
    const turnsOn = (m: { registryDir: string }): string[] => userTurns(readTranscript(configDirOn(m, 'traveler'), session));
    const count = (turns: string[], id: string): number => turns.filter((t) => t.includes(`[message ${id}]`)).length;

    const before = (await json<{ id: string }>('POST', '/api/messages', 202, { body: { to: 'traveler', content: 'remember the number 42' } })).id;
    await waitUntil(() => count(turnsOn(a), before) === 1, 15_000);
    // the turn's end mirrored the transcript to Redis
    await waitUntil(async () => {
      const data = await apiCtx.redis.hgetBuffer(apiCtx.keys.agentSession('traveler'), 'data');
      return data !== null && gunzipSync(data).toString('utf8').includes(`[message ${before}]`);
    }, 10_000);

    await hostOn('travel-b', b);
    expect(existsSync(configDirOn(b, 'traveler')), 'machine b never held the session').to.equal(false);
    hostA.kill('SIGKILL');
    // sent while the agent has no live host: it waits in the inbox
    const during = (await json<{ id: string }>('POST', '/api/messages', 202, { body: { to: 'traveler', content: 'sent while its host was dead' } })).id;

    await waitUntil(async () => {
      const r = await readRuntime(apiCtx.redis, apiCtx.keys, 'traveler');
      return r?.status === 'idle' && r.hostId === 'travel-b';
    }, 30_000);
    const moved = (await readRuntime(apiCtx.redis, apiCtx.keys, 'traveler'))!;
    expect(moved.sessionId).to.equal(session);
    expect(moved.reason).to.equal('resumed');

    await waitUntil(() => count(turnsOn(b), during) === 1, 15_000);
    // the stand-in counts the user turns its session holds: the one from machine a is among them
    await json('POST', '/api/agents/traveler/turn', 202, { body: { text: 'history' } });
    const replies = (): string[] =>
      readTranscript(configDirOn(b, 'traveler'), session)
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l) as { type: string; text?: string })
        .filter((e) => e.type === 'assistant')
        .map((e) => e.text ?? '');
    await waitUntil(() => replies().some((r) => r.startsWith('history ')), 10_000);
    const onB = turnsOn(b);
    expect(count(onB, before), 'the turn read on machine a, restored on b').to.equal(1);
    expect(count(onB, during)).to.equal(1);
    // three user turns: the one from machine a, the one delivered on b, and `history` itself
    expect(replies().find((r) => r.startsWith('history '))).to.equal('history 3');

    const events = (await apiCtx.redis.xrange(apiCtx.keys.events(), '-', '+')).map(([, f]) => JSON.parse(f[1] as string) as DomainEvent<{ messageId?: string }>);
    const delivered = (id: string): number => events.filter((e) => e.type === 'message.delivered' && e.agentId === 'traveler' && e.data.messageId === id).length;
    expect(delivered(before)).to.equal(1);
    expect(delivered(during)).to.equal(1);
    expect(events.filter((e) => e.type === 'agent.failover' && e.agentId === 'traveler')).to.have.length(1);
  });
});
