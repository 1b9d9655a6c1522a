import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { agentConfigDir } from '../../workers/agents/claude-cli/command-line.js';
import { readRuntime } from '../../shared/agents/runtime-state.js';
import type { Task } from '../../shared/tasks/task-model.js';
import { readTranscript } from '../../workers/messages/deliverer.js';
import { startScriptedMessagesApi, type ScriptedMessagesApi } from '../fixtures/scripted-messages-api.js';
import { waitUntil } from '../support/harness.js';
import { startCollabStack, type CollabStack } from '../messages/support/collab-stack.js';
import { assertClaudeInstalled, CLAUDE_BIN, offlineClaudeEnv } from './claude-cli.js';

/**
 * Conformance: the REAL claude CLI uses the Nox tools server from its --mcp-config. A small
 * proxy in front of the scripted Messages API answers `call-tool <name> <json>` with a
 * tool_use of that tool; everything else (and the reply after the tool_result) goes to the
 * scripted API. Agent A calls mcp__nox__send_message to B: B receives it as a turn (and its
 * own session transcript holds the message marker, which delivery recovery relies on).
 * A delegates a task to B, B marks it done with mcp__nox__update_task, the dependent unblocks.
 */

const sse = (res: http.ServerResponse, type: string, data: Record<string, unknown>): void => void res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);

/** the latest user message's script text, unless it carries a tool_result */
function callToolOf(body: { messages?: { role: string; content: string | { type: string; text?: string }[] }[] }): { name: string; input: Record<string, unknown> } | undefined {
  const last = (body.messages ?? []).filter((m) => m.role === 'user').at(-1);
  if (!last) return undefined;
  if (Array.isArray(last.content) && last.content.some((b) => b.type === 'tool_result')) return undefined;
  const texts = typeof last.content === 'string' ? [last.content] : last.content.filter((b) => b.type === 'text').map((b) => b.text ?? '');
  const text = (texts.filter((t) => !t.trimStart().startsWith('<system-reminder>')).at(-1) ?? '').trim();
  const m = /^call-tool (\S+) (\{.*\})$/s.exec(text);
  return m ? { name: m[1]!, input: JSON.parse(m[2]!) as Record<string, unknown> } : undefined;
}

async function startToolProxy(target: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      let body: Record<string, unknown> | undefined;
      try {
        body = raw.length ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : undefined;
      } catch {
        body = undefined;
      }
      const call = req.method === 'POST' && req.url?.startsWith('/v1/messages?') !== false && req.url?.split('?')[0] === '/v1/messages' && body?.stream === true ? callToolOf(body as never) : undefined;
      if (call) {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        sse(res, 'message_start', { message: { id: `msg_${randomBytes(8).toString('hex')}`, type: 'message', role: 'assistant', model: String(body?.model), content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 100, output_tokens: 1 } } });
        sse(res, 'content_block_start', { index: 0, content_block: { type: 'tool_use', id: `toolu_${randomBytes(10).toString('hex')}`, name: call.name, input: {} } });
        sse(res, 'content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: JSON.stringify(call.input) } });
        sse(res, 'content_block_stop', { index: 0 });
        sse(res, 'message_delta', { delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 10 } });
        sse(res, 'message_stop', {});
        res.end();
        return;
      }
      const forward = http.request(`${target}${req.url ?? '/'}`, { method: req.method, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      forward.on('error', () => res.destroy());
      forward.end(raw);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

describe('real claude CLI uses the Nox tools server (messages and tasks)', function () {
  this.timeout(180_000);
  let api: ScriptedMessagesApi;
  let proxy: { url: string; close(): Promise<void> };
  let stack: CollabStack;

  before(async () => {
    assertClaudeInstalled();
    api = await startScriptedMessagesApi();
    proxy = await startToolProxy(api.url);
    stack = await startCollabStack({
      overrides: {
        'agent.command': CLAUDE_BIN,
        'agent.args': [],
        'agent.env': {
          ...offlineClaudeEnv(proxy.url),
          MCP_TIMEOUT: '60000',
        },
      },
    });
    await stack.json('POST', '/api/agents', 201, { body: { id: 'real-ma', allowed_tools: ['mcp__nox'] } });
    await stack.json('POST', '/api/agents', 201, { body: { id: 'real-mb', allowed_tools: ['mcp__nox'] } });
  });
  after(async () => {
    await stack?.cleanup();
    await proxy?.close();
    await api?.close();
  });

  const transcriptOf = async (agentId: string): Promise<string> => readTranscript(agentConfigDir(stack.config, agentId), (await readRuntime(stack.apiCtx.redis, stack.apiCtx.keys, agentId))?.sessionId ?? '');

  it('A calls send_message to B; B receives it as a turn', async () => {
    for (const id of ['real-ma', 'real-mb']) {
      await stack.json('POST', `/api/agents/${id}/start`, 202);
      await stack.waitStatus(id, 'idle', 60_000);
    }
    await stack.json('POST', '/api/agents/real-ma/turn', 202, { body: { text: `call-tool mcp__nox__send_message ${JSON.stringify({ to: 'real-mb', content: 'hello B, from the real CLI', message_type: 'request' })}` } });
    await waitUntil(() => api.userTexts().some((texts) => texts.some((t) => t.includes('request message from agent:real-ma') && t.includes('hello B, from the real CLI'))), 90_000);
    const log = await stack.json<{ messages: { id: string; from: string }[] }>('GET', '/api/messages?agent=real-mb', 200);
    expect(log.messages[0]?.from).to.equal('agent:real-ma');
    await waitUntil(async () => (await transcriptOf('real-mb')).includes(`[message ${log.messages[0]!.id}]`), 30_000);
  });

  it('A delegates a task to B; B marks it done with update_task; the dependent task unblocks', async () => {
    const first = await stack.json<Task>('POST', '/api/tasks', 201, { body: { agent_id: 'real-ma', title: 'Gather numbers' } });
    const second = await stack.json<Task>('POST', '/api/tasks', 201, { body: { agent_id: 'real-ma', title: 'Summarise numbers', dependencies: [first.id] } });
    expect(second.status).to.equal('blocked');
    await stack.json('POST', '/api/agents/real-ma/turn', 202, { body: { text: `call-tool mcp__nox__delegate_task ${JSON.stringify({ task_id: first.id, to: 'real-mb' })}` } });
    await waitUntil(async () => (await stack.json<Task>('GET', `/api/tasks/${first.id}`, 200)).agent_id === 'real-mb', 90_000);
    await stack.json('POST', '/api/agents/real-mb/turn', 202, { body: { text: `call-tool mcp__nox__update_task ${JSON.stringify({ task_id: first.id, status: 'done' })}` } });
    await waitUntil(async () => (await stack.json<Task>('GET', `/api/tasks/${second.id}`, 200)).status === 'pending', 90_000);
    const done = await stack.json<Task>('GET', `/api/tasks/${first.id}`, 200);
    expect(done.status).to.equal('done');
    const updates = (await stack.events('task.updated')).filter((e) => e.taskId === first.id);
    expect((updates.at(-1)?.data as { by: string }).by).to.equal('agent:real-mb');
  });
});
