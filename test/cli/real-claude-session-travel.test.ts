import { expect } from 'chai';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { readRuntime } from '../../shared/agents/runtime-state.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import { projectSlug } from '../../workers/agents/session-mirror.js';
import { startRegistryWriter, type RegistryWriter } from '../../workers/registry/registry-writer.js';
import { startScriptedMessagesApi, type ScriptedMessagesApi } from '../fixtures/scripted-messages-api.js';
import { apiCaller } from '../support/api-caller.js';
import { testContext, waitUntil } from '../support/harness.js';
import { startApiWithWorkers, type ApiWithWorkers } from '../support/worker-process.js';
import { assertClaudeInstalled, CLAUDE_BIN, offlineClaudeEnv } from './claude-cli.js';

/**
 * The real pinned `claude` (issue 15, item 3): its session transcript, written on one
 * machine's folder, is mirrored as the turn ends, restored on another machine's folder
 * (another working folder, so another project slug) after the first host is SIGKILLed, and
 * resumed there in the sandbox: the next request the CLI sends to the model carries the
 * turn it had on the first machine.
 */
describe('real claude CLI: a session written on one machine is resumed on another', function () {
  this.timeout(180_000);
  let api: ScriptedMessagesApi;
  let stack: ApiWithWorkers;
  let writerCtx: NoxContext;
  let writer: RegistryWriter;
  const roots: string[] = [];
  const machine = (): { registryDir: string; workspace: string } => {
    const root = mkdtempSync(path.join(tmpdir(), 'nox-machine-'));
    roots.push(root);
    return { registryDir: path.join(root, '.nox-registry'), workspace: path.join(root, '.nox-work') };
  };

  before(async () => {
    assertClaudeInstalled();
    api = await startScriptedMessagesApi();
    stack = await startApiWithWorkers({
      'agent.command': CLAUDE_BIN,
      'agent.args': [],
      'agent.env': offlineClaudeEnv(api.url),
      'agent.store': 'registry',
      'agent.stop_grace_ms': 1000,
      'agent.sampling_interval_ms': 60_000,
    });
    writerCtx = testContext(stack.config, 'worker');
    writer = await startRegistryWriter(writerCtx, { watchTasks: false });
  });
  after(async () => {
    await stack?.cleanup();
    await writer?.close();
    await writerCtx?.close();
    await api?.close();
    for (const r of roots) rmSync(r, { recursive: true, force: true });
  });

  it('mirrors the transcript, restores it under the new folder’s project slug, and --resume carries the earlier turn', async () => {
    const { apiCtx } = stack;
    const { json } = apiCaller(stack.api.url);
    const a = machine();
    const b = machine();
    const hostOn = (id: string, m: { registryDir: string; workspace: string }) =>
      stack.startWorker({ 'registry.reads': 'auto', 'worker.host_id': id, 'agent.workspace_root': m.workspace }, { registryDir: m.registryDir });
    const runtime = () => readRuntime(apiCtx.redis, apiCtx.keys, 'real-travel');

    const hostA = await hostOn('real-a', a);
    await json('POST', '/api/agents', 201, { body: { id: 'real-travel', start: true } });
    await waitUntil(async () => (await runtime())?.status === 'idle', 60_000);
    const session = (await runtime())!.sessionId!;
    await json('POST', '/api/agents/real-travel/turn', 202, { body: { text: 'remember the word apricot' } });
    await waitUntil(async () => ((await runtime())?.turns ?? 0) >= 1 && (await runtime())?.status === 'idle', 90_000);
    await waitUntil(async () => {
      const data = await apiCtx.redis.hgetBuffer(apiCtx.keys.agentSession('real-travel'), 'data');
      return data !== null && gunzipSync(data).toString('utf8').includes('remember the word apricot');
    }, 15_000);

    await hostOn('real-b', b);
    hostA.kill('SIGKILL');
    await waitUntil(async () => {
      const r = await runtime();
      return r?.status === 'idle' && r.hostId === 'real-b';
    }, 60_000);
    const moved = (await runtime())!;
    expect(moved.sessionId).to.equal(session);
    expect(moved.reason).to.equal('resumed');
    // restored under machine b's own working folder's slug, which differs from machine a's
    const projects = path.join(b.registryDir, '.runtime', 'agents', 'real-travel', 'claude', 'projects');
    const slugB = projectSlug(path.join(b.workspace, 'real-travel'));
    expect(slugB).to.not.equal(projectSlug(path.join(a.workspace, 'real-travel')));
    expect(existsSync(path.join(projects, slugB, `${session}.jsonl`)), readdirSync(projects).join(',')).to.equal(true);

    const turnsBefore = moved.turns;
    await json('POST', '/api/agents/real-travel/turn', 202, { body: { text: 'what was the word' } });
    await waitUntil(async () => ((await runtime())?.turns ?? 0) > turnsBefore && (await runtime())?.status === 'idle', 90_000);
    const asked = api.userTexts().filter((texts) => texts.includes('what was the word'));
    expect(asked.length, 'the model was asked').to.be.above(0);
    expect(asked[0], 'the resumed session sends the turn from machine a').to.include('remember the word apricot');
  });
});
