import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { assistantLine, newToolUseId, toolResultLine, writeLine, type Session } from './stream-json.js';

/**
 * How the demo agent uses a tool, as the real CLI does: a `tool_use` block, then (with
 * `--permission-prompt-tool stdio`) a `can_use_tool` question to Nox on stdout and the wait
 * for its answer on stdin, then the tool, then a `tool_result` line. Nox's own tools
 * (`mcp__nox__*`) are real calls on the stdio MCP server its `--mcp-config` names — the
 * Nox tools server, with the agent's own token — so the demo's messages, tasks and
 * approvals go through the API like any agent's. `Write` writes inside the workdir; any
 * other tool (the demo's `curl`) is asked about but never run: the demo has no network.
 */
export interface ToolOutcome {
  allowed: boolean;
  isError: boolean;
  text: string;
}

export interface ToolCall {
  name: string;
  input: Record<string, unknown>;
  /** what the tool "did" when it is not one the demo really runs */
  pretend?: string;
}

export interface PermissionAnswer {
  behavior: 'allow' | 'deny';
  updatedInput?: Record<string, unknown>;
  message?: string;
}

export interface ToolRunner {
  /** runs one tool call of the current turn; rejects with AbortError when the turn is interrupted */
  run(call: ToolCall, messageId: string, signal: AbortSignal): Promise<ToolOutcome>;
  /** a control_response line from stdin */
  answer(requestId: string, response: PermissionAnswer): void;
  close(): Promise<void>;
}

export interface McpServerEntry {
  command?: string;
  args?: string[];
  env?: Record<string, string>;
}

export function createToolRunner(session: Session, servers: Record<string, McpServerEntry>, askThroughStdio: boolean): ToolRunner {
  const waiting = new Map<string, (answer: PermissionAnswer) => void>();
  const clients = new Map<string, Promise<Client>>();

  const ask = (call: ToolCall, toolUseId: string, signal: AbortSignal): Promise<PermissionAnswer> => {
    if (session.permissionMode === 'bypassPermissions') return Promise.resolve({ behavior: 'allow', updatedInput: call.input });
    if (!askThroughStdio) return Promise.resolve({ behavior: 'deny', message: `Permission to use ${call.name} has been denied.` });
    const requestId = randomUUID();
    writeLine({
      type: 'control_request',
      request_id: requestId,
      request: { subtype: 'can_use_tool', tool_name: call.name, input: call.input, tool_use_id: toolUseId, description: describe(call), permission_suggestions: [] },
    });
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        waiting.delete(requestId);
        reject(abortError());
      };
      signal.addEventListener('abort', onAbort, { once: true });
      waiting.set(requestId, (answer) => {
        signal.removeEventListener('abort', onAbort);
        resolve(answer);
      });
    });
  };

  const client = (name: string): Promise<Client> => {
    let found = clients.get(name);
    if (found) return found;
    const entry = servers[name];
    if (!entry?.command) return Promise.reject(new Error(`no MCP server ${name} in --mcp-config`));
    // the real CLI starts stdio servers itself and keeps them for the process's life
    const transport = new StdioClientTransport({ command: entry.command, args: entry.args ?? [], env: { ...stringEnv(process.env), ...entry.env }, stderr: 'ignore' });
    const c = new Client({ name: 'nox-demo-agent', version: '1.0.0' });
    found = c.connect(transport).then(() => c);
    found.catch(() => clients.delete(name));
    clients.set(name, found);
    return found;
  };

  const perform = async (call: ToolCall, input: Record<string, unknown>): Promise<{ text: string; isError: boolean }> => {
    const mcp = /^mcp__(.+?)__(.+)$/.exec(call.name);
    if (mcp) {
      const result = (await (await client(mcp[1]!)).callTool({ name: mcp[2]!, arguments: input })) as { content?: { text?: string }[]; isError?: boolean };
      return { text: (result.content ?? []).map((b) => b.text ?? '').join(''), isError: result.isError === true };
    }
    if (call.name === 'Write') {
      const file = path.resolve(String(input.file_path));
      if (path.relative(process.cwd(), file).startsWith('..')) return { text: `the demo writes only inside its workdir, not ${file}`, isError: true };
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, String(input.content ?? ''));
      return { text: `File created successfully at: ${file}`, isError: false };
    }
    return { text: call.pretend ?? `(demo) ${call.name} was not run: the demo agent runs no commands`, isError: false };
  };

  return {
    async run(call, messageId, signal) {
      const toolUseId = newToolUseId();
      writeLine(assistantLine(session, messageId, { type: 'tool_use', id: toolUseId, name: call.name, input: call.input }));
      const answer = await ask(call, toolUseId, signal);
      let outcome: ToolOutcome;
      if (answer.behavior !== 'allow') {
        outcome = { allowed: false, isError: true, text: answer.message ?? `Permission to use ${call.name} has been denied.` };
      } else {
        const done = await perform(call, answer.updatedInput ?? call.input).catch((err: unknown) => ({ text: (err as Error).message, isError: true }));
        outcome = { allowed: true, ...done };
      }
      writeLine(toolResultLine(session, toolUseId, outcome.text, outcome.isError));
      session.record({ type: 'tool', name: call.name, allowed: outcome.allowed, result: outcome.text.slice(0, 2000) });
      return outcome;
    },
    answer(requestId, response) {
      const resolve = waiting.get(requestId);
      waiting.delete(requestId);
      resolve?.(response);
    },
    async close() {
      for (const c of clients.values()) await c.then((x) => x.close()).catch(() => undefined);
    },
  };
}

function describe(call: ToolCall): string {
  const command = call.input.command;
  return typeof command === 'string' ? `${call.name}: ${command}` : `${call.name} wants to run`;
}

function stringEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

export function abortError(): Error {
  const err = new Error('Request was aborted.');
  err.name = 'AbortError';
  return err;
}
