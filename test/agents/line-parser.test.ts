import { expect } from 'chai';
import { createLineSplitter, parseAgentLine } from '../../workers/agents/claude-cli/line-parser.js';
import type { AgentEvent } from '../../workers/agents/claude-cli/protocol.js';

const one = (line: unknown): AgentEvent => {
  const parsed = parseAgentLine(JSON.stringify(line));
  if (!parsed.ok) throw new Error(parsed.reason);
  expect(parsed.events).to.have.length(1);
  return parsed.events[0]!;
};

describe('agent line parser', () => {
  it('types init, assistant text, tool use, tool result and result lines', () => {
    const init = one({ type: 'system', subtype: 'init', session_id: 's1', model: 'm', tools: ['Bash'], mcp_servers: [{ name: 'nox', status: 'failed' }], claude_code_version: '2.1.330' });
    expect(init).to.include({ kind: 'init', sessionId: 's1', version: '2.1.330' });
    expect((init as { mcpServers: unknown }).mcpServers).to.deep.equal([{ name: 'nox', status: 'failed' }]);

    expect(one({ type: 'assistant', message: { id: 'm1', content: [{ type: 'text', text: 'hi' }] }, session_id: 's1' })).to.include({ kind: 'assistant-text', text: 'hi', messageId: 'm1' });
    expect(one({ type: 'assistant', message: { id: 'm1', content: [{ type: 'tool_use', id: 't1', name: 'Bash', input: { command: 'ls' } }] } })).to.deep.include({ kind: 'tool-use', toolUseId: 't1', name: 'Bash', input: { command: 'ls' } });
    expect(one({ type: 'assistant', message: { content: [] }, error: 'rate_limit' })).to.include({ kind: 'assistant-other', error: 'rate_limit' });
    expect(one({ type: 'user', message: { content: [{ type: 'tool_result', tool_use_id: 't1', content: 'out', is_error: true }] } })).to.include({ kind: 'tool-result', toolUseId: 't1', isError: true });

    const result = one({ type: 'result', subtype: 'success', is_error: false, result: 'done', total_cost_usd: 0.5, usage: { input_tokens: 3, output_tokens: 4 }, session_id: 's1', permission_denials: [{}] });
    expect(result).to.deep.include({ kind: 'result', isError: false, totalCostUsd: 0.5, result: 'done' });
    expect((result as { usage: unknown }).usage).to.deep.equal({ input_tokens: 3, output_tokens: 4, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 });
  });

  it('trusts is_error over subtype (not logged in: success with is_error true)', () => {
    expect(one({ type: 'result', subtype: 'success', is_error: true })).to.include({ isError: true });
    expect(one({ type: 'result', subtype: 'error_during_execution' })).to.include({ isError: true, subtype: 'error_during_execution' });
  });

  it('types api_retry, permission_denied, other system lines, control requests and cancels', () => {
    expect(one({ type: 'system', subtype: 'api_retry', attempt: 2, max_retries: 10, retry_delay_ms: 500, error_status: 529 })).to.include({ kind: 'api-retry', attempt: 2, errorStatus: 529 });
    expect(one({ type: 'system', subtype: 'permission_denied', tool_name: 'Bash', message: 'no' })).to.include({ kind: 'permission-denied', toolName: 'Bash' });
    expect(one({ type: 'system', subtype: 'session_state_changed', state: 'idle' })).to.include({ kind: 'system', subtype: 'session_state_changed' });
    const perm = one({ type: 'control_request', request_id: 'r1', request: { subtype: 'can_use_tool', tool_name: 'Write', input: { file_path: 'x' }, tool_use_id: 't9' } });
    expect(perm).to.include({ kind: 'permission-request', requestId: 'r1' });
    expect((perm as { request: { tool_name: string } }).request.tool_name).to.equal('Write');
    expect(one({ type: 'control_request', request_id: 'r2', request: { subtype: 'mcp_status' } })).to.include({ kind: 'control-request', subtype: 'mcp_status' });
    expect(one({ type: 'control_cancel_request', request_id: 'r1' })).to.include({ kind: 'control-cancel', requestId: 'r1' });
    expect(one({ type: 'something_new', x: 1 })).to.include({ kind: 'unknown', type: 'something_new' });
  });

  it('reports a bad line instead of throwing', () => {
    for (const bad of ['not json', '[1,2]', '"str"', '{"no":"type"}', '{"type":']) {
      const parsed = parseAgentLine(bad);
      expect(parsed.ok, bad).to.equal(false);
    }
    expect(parseAgentLine('   ')).to.deep.equal({ ok: true, events: [] });
  });

  it('splits a byte stream into lines across chunk boundaries', () => {
    const lines: string[] = [];
    const splitter = createLineSplitter((l) => lines.push(l), 10);
    splitter.push('{"a":');
    splitter.push('1}\n{"b"');
    splitter.push(':2}\nxxxxxxxxxxxxxxxx');
    splitter.end();
    expect(lines).to.deep.equal(['{"a":1}', '{"b":2}', 'xxxxxxxxxxxxxxxx']);
  });
});
