import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import type { ConversationEntry } from '../../shared/agents/conversation-log.js';
import { createLogger } from '../../shared/logger.js';
import { agentLineReader, createAgentOutput, MAX_EVENT_RAW, outputEventData } from '../../workers/agents/agent-output.js';
import type { AgentEvent } from '../../workers/agents/claude-cli/protocol.js';
import { parseAgentLine } from '../../workers/agents/claude-cli/line-parser.js';
import type { ConversationBuffer } from '../../workers/agents/conversation-buffer.js';

/** A conversation buffer that only remembers what it was given. */
function memoryConversation(): ConversationBuffer & { entries: Omit<ConversationEntry, 'seq'>[] } {
  const entries: Omit<ConversationEntry, 'seq'>[] = [];
  return { entries, add: (_id, e) => void entries.push(e), flush: async () => {}, stop: async () => {}, lastError: undefined, lastRunAt: 0, pending: 0 };
}

describe('agent output: conversation entries and agent.output events', () => {
  it('records a turn and the events it causes; the events carry the turn’s correlation id', () => {
    const conversation = memoryConversation();
    const published: { type: string; data: Record<string, unknown>; correlationId?: string }[] = [];
    const output = createAgentOutput({ agentId: 'a1', conversation, publish: (type, data, correlationId) => void published.push({ type, data, correlationId }) });
    output.turn({ text: 'hello', correlationId: 'c-1' });
    const text: AgentEvent = { kind: 'assistant-text', text: 'hi there', raw: { type: 'assistant' } };
    output.event(text, 'c-1');
    output.event({ kind: 'tool-use', toolUseId: 't1', name: 'Bash', input: { command: 'ls' }, raw: { type: 'assistant' } }, 'c-1');
    expect(conversation.entries.map((e) => [e.kind, e.text, e.correlationId])).to.deep.equal([
      ['turn', 'hello', 'c-1'],
      ['assistant-text', 'hi there', undefined],
      ['tool-use', 'Bash {"command":"ls"}', undefined],
    ]);
    expect(published).to.deep.equal([
      { type: 'agent.output', data: { kind: 'assistant-text', text: 'hi there', raw: { type: 'assistant' } }, correlationId: 'c-1' },
      { type: 'agent.output', data: { kind: 'tool-use', text: 'Bash {"command":"ls"}', raw: { type: 'assistant' } }, correlationId: 'c-1' },
    ]);
  });

  it('sends a huge line out without its raw body (its size instead) and with its text clipped', () => {
    const big = 'x'.repeat(MAX_EVENT_RAW + 10);
    const data = outputEventData({ kind: 'result', subtype: 'success', isError: false, result: big, errors: [], totalCostUsd: 0, usage: { input_tokens: 0, output_tokens: 0 }, permissionDenials: [], raw: { result: big } });
    expect(data).to.not.have.property('raw');
    expect(data.truncated).to.equal(JSON.stringify({ result: big }).length);
    expect((data.text as string).length).to.equal(MAX_EVENT_RAW);
    expect(outputEventData({ kind: 'stream-event', raw: { a: 1 } })).to.deep.equal({ kind: 'stream-event', raw: { a: 1 } });
  });

  it('measures a line it parsed by the line itself: a huge one goes out without its body, a small one whole', () => {
    const line = JSON.stringify({ type: 'result', subtype: 'success', is_error: false, result: 'y'.repeat(MAX_EVENT_RAW), usage: { input_tokens: 1, output_tokens: 2 } });
    const parsed = parseAgentLine(`  ${line}  `);
    if (!parsed.ok) throw new Error(parsed.reason);
    const data = outputEventData(parsed.events[0]!);
    expect(data).to.not.have.property('raw');
    expect(data.truncated, 'the size of the line as written (trimmed)').to.equal(line.length);
    const small = parseAgentLine('{"type":"system","subtype":"init","session_id":"s-1"}');
    if (!small.ok) throw new Error(small.reason);
    expect(outputEventData(small.events[0]!).raw).to.deep.equal({ type: 'system', subtype: 'init', session_id: 's-1' });
  });

  it('reads lines: a line that does not parse is logged and dropped, a handler that throws is logged, the next line still goes through', async () => {
    const stream = new PassThrough();
    const logged: string[] = [];
    stream.on('data', (chunk: Buffer) => logged.push(...chunk.toString().trim().split('\n')));
    const logger = createLogger({ level: 'warn', stream });
    const seen: string[] = [];
    const read = agentLineReader(logger, (event) => {
      seen.push(event.kind);
      if (event.kind === 'assistant-text') throw new Error('boom');
    });
    expect(() => read('{not json')).to.not.throw();
    expect(() => read(JSON.stringify({ type: 'assistant', message: { content: [{ type: 'text', text: 'hi' }] } }))).to.not.throw();
    read(JSON.stringify({ type: 'system', subtype: 'session_state_changed' }));
    expect(seen).to.deep.equal(['assistant-text', 'system']);
    await new Promise((resolve) => setImmediate(resolve)); // winston hands lines to its transport through streams
    const messages = logged.map((l) => (JSON.parse(l) as { message: string }).message);
    expect(messages).to.deep.equal(['agent wrote a line that does not parse', 'handling an agent event failed']);
  });
});
