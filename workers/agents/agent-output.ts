import { errorFields, type Logger } from '../../shared/logger.js';
import { parseAgentLine, rawLineLength } from './claude-cli/line-parser.js';
import { createLineRepair } from './claude-cli/line-repair.js';
import type { AgentEvent } from './claude-cli/protocol.js';
import type { ConversationBuffer } from './conversation-buffer.js';
import type { Turn } from './turn-queue.js';
import { AGENT_EVENT } from '../../shared/agents/agent-events.js';

/**
 * What an agent says and is told, recorded: every stdout event and every turn Nox writes
 * go to the conversation (batched, conversation-buffer.ts), and every stdout event goes out
 * as an `agent.output` event. Lines are parsed here; a line that does not parse is logged
 * and dropped, and a handler that throws is logged: the agent's output never throws.
 */
export interface AgentOutput {
  /** a turn Nox wrote on the agent's stdin */
  turn(turn: Turn): void;
  /** an event the agent wrote; `correlationId` is the turn's it belongs to */
  event(event: AgentEvent, correlationId?: string): void;
}

export interface AgentOutputDeps {
  agentId: string;
  conversation: ConversationBuffer;
  publish(type: string, data: Record<string, unknown>, correlationId?: string): void;
}

/** Largest raw line (JSON characters) carried inside an `agent.output` event. */
export const MAX_EVENT_RAW = 32 * 1024;

/** The short human text of an event, where it has one. */
export function eventText(event: AgentEvent): string | undefined {
  if (event.kind === 'assistant-text') return event.text;
  if (event.kind === 'tool-use') return `${event.name} ${JSON.stringify(event.input)}`;
  if (event.kind === 'result') return event.result;
  return undefined;
}

/**
 * The data of an `agent.output` event. The event stream is bounded and fanned out to
 * browsers: a huge line (a file read by a tool) goes out without its raw body (its size
 * instead); the conversation keeps it whole.
 */
export function outputEventData(event: AgentEvent): Record<string, unknown> {
  const text = eventText(event);
  // the line's length where it was parsed here: the raw object is serialised once more only when the event goes out
  const rawSize = rawLineLength(event.raw) ?? JSON.stringify(event.raw).length;
  const raw = rawSize <= MAX_EVENT_RAW ? { raw: event.raw } : { truncated: rawSize };
  return { kind: event.kind, ...(text === undefined ? {} : { text: text.slice(0, MAX_EVENT_RAW) }), ...raw };
}

export function createAgentOutput(deps: AgentOutputDeps): AgentOutput {
  const { agentId, conversation } = deps;
  const now = (): string => new Date().toISOString();
  return {
    turn(turn) {
      conversation.add(agentId, { at: now(), kind: 'turn', text: turn.text, ...(turn.correlationId ? { correlationId: turn.correlationId } : {}) });
    },
    event(event, correlationId) {
      const text = eventText(event);
      conversation.add(agentId, { at: now(), kind: event.kind, ...(text === undefined ? {} : { text }), raw: event.raw });
      deps.publish(AGENT_EVENT.output, outputEventData(event), correlationId);
    },
  };
}

/**
 * Turns stdout lines into events for `onEvent`, one at a time; never throws. A line split by
 * an injected `rate_limit_event` is put back together first (claude-cli/line-repair.ts).
 */
export function agentLineReader(logger: Logger, onEvent: (event: AgentEvent) => void): (line: string) => void {
  const repair = createLineRepair();
  const read = (line: string): void => {
    const parsed = parseAgentLine(line);
    if (!parsed.ok) {
      logger.warn('agent wrote a line that does not parse', { reason: parsed.reason, line: parsed.line });
      return;
    }
    for (const event of parsed.events) {
      try {
        onEvent(event);
      } catch (err) {
        logger.error('handling an agent event failed', { kind: event.kind, ...errorFields(err) });
      }
    }
  };
  return (line) => repair(line).forEach(read);
}
