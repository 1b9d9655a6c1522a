import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * The demo agent's side of the Claude CLI's headless protocol (docs/AGENTS.md, "The
 * process"; the facts in ../shared/claude-cli.md): the lines it writes on stdout and the
 * session transcript it keeps, in the shapes the real CLI uses, so Nox drives it exactly as
 * it drives `claude`. No model is behind it: what it says comes from demo-roles.ts.
 */
export const DEMO_AGENT_VERSION = '1.0.0';

export interface Session {
  id: string;
  model: string;
  permissionMode: string;
  /** appends one entry to `$CLAUDE_CONFIG_DIR/projects/<cwd-slug>/<id>.jsonl` */
  record(entry: Record<string, unknown>): void;
}

/**
 * `--session-id` for a new session (refused when its file exists, as the real CLI refuses an
 * id already in use), `--resume` for an existing one (refused when there is none): Nox
 * decides which from the transcript file, and reads it to settle message deliveries.
 */
export function openSession(flag: (name: string) => string | undefined): Session {
  const configDir = process.env.CLAUDE_CONFIG_DIR ?? path.join(os.homedir(), '.claude');
  const dir = path.join(configDir, 'projects', process.cwd().replace(/[^A-Za-z0-9]/g, '-'));
  const resume = flag('--resume');
  const id = resume ?? flag('--session-id') ?? randomUUID();
  const file = path.join(dir, `${id}.jsonl`);
  if (resume && !existsSync(file)) throw new Error(`No conversation found with session ID: ${id}`);
  if (!resume && existsSync(file)) throw new Error(`Session ID ${id} is already in use.`);
  mkdirSync(dir, { recursive: true });
  const record = (entry: Record<string, unknown>): void => appendFileSync(file, `${JSON.stringify({ ...entry, sessionId: id, cwd: process.cwd(), timestamp: new Date().toISOString() })}\n`);
  if (!resume) record({ type: 'session-start' });
  return { id, model: flag('--model') ?? 'nox-demo', permissionMode: flag('--permission-mode') ?? 'default', record };
}

export const writeLine = (obj: unknown): void => void process.stdout.write(`${JSON.stringify(obj)}\n`);

export function initLine(s: Session, mcpServers: string[]): Record<string, unknown> {
  return {
    type: 'system',
    subtype: 'init',
    cwd: process.cwd(),
    session_id: s.id,
    tools: ['Bash', 'Read', 'Write'],
    mcp_servers: mcpServers.map((name) => ({ name, status: 'connected' })),
    model: s.model,
    permissionMode: s.permissionMode,
    apiKeySource: 'none',
    claude_code_version: `${DEMO_AGENT_VERSION}-nox-demo`,
    uuid: randomUUID(),
  };
}

/** One assistant line per content block; blocks of one reply share the message id. */
export function assistantLine(s: Session, messageId: string, block: Record<string, unknown>): Record<string, unknown> {
  const tokens = Math.ceil(JSON.stringify(block).length / 4);
  return {
    type: 'assistant',
    message: { id: messageId, type: 'message', role: 'assistant', model: s.model, content: [block], stop_reason: null, usage: { input_tokens: 0, output_tokens: tokens } },
    parent_tool_use_id: null,
    session_id: s.id,
    uuid: randomUUID(),
  };
}

export function toolResultLine(s: Session, toolUseId: string, content: string, isError: boolean): Record<string, unknown> {
  return {
    type: 'user',
    message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: toolUseId, content, is_error: isError }] },
    parent_tool_use_id: null,
    session_id: s.id,
    uuid: randomUUID(),
  };
}

export interface TurnEnd {
  startedAt: number;
  turnsInProcess: number;
  /** the final text; undefined when the turn was interrupted */
  reply?: string;
  outputTokens: number;
}

/** Exactly one per turn. No model, no cost: `total_cost_usd` stays 0 (it is per process in the real CLI). */
export function resultLine(s: Session, end: TurnEnd): Record<string, unknown> {
  const interrupted = end.reply === undefined;
  return {
    type: 'result',
    subtype: interrupted ? 'error_during_execution' : 'success',
    is_error: interrupted,
    duration_ms: Date.now() - end.startedAt,
    duration_api_ms: 0,
    num_turns: end.turnsInProcess,
    ...(interrupted ? { errors: ['Request was aborted.'] } : { result: end.reply }),
    stop_reason: interrupted ? null : 'end_turn',
    terminal_reason: interrupted ? 'aborted_streaming' : 'completed',
    session_id: s.id,
    total_cost_usd: 0,
    usage: { input_tokens: 0, output_tokens: end.outputTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    modelUsage: {},
    permission_denials: [],
    uuid: randomUUID(),
  };
}

/** The id of a new assistant reply, as the Messages API makes them. */
export const newMessageId = (): string => `msg_demo_${randomUUID().replace(/-/g, '').slice(0, 20)}`;
export const newToolUseId = (): string => `toolu_demo_${randomUUID().replace(/-/g, '').slice(0, 20)}`;
