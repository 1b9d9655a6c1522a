import { SpanStatusCode, type Span } from '@opentelemetry/api';
import { startSpan } from '../../shared/tracing/tracing.js';
import type { Usage } from './claude-cli/protocol.js';
import type { Turn } from './turn-queue.js';

/**
 * One span per agent turn (tracing on): from the turn written to stdin to its result line,
 * with the tokens and cost the result reports; child of the trace the turn came in (the
 * message's delivery, or the request that asked for it). A turn its process never finished
 * ends with an error status.
 */
const spans = new WeakMap<Turn, Span>();

export function turnStarted(agentId: string, turn: Turn): void {
  const span = startSpan('agent.turn', { 'nox.agent.id': agentId, ...(turn.correlationId ? { 'nox.correlation_id': turn.correlationId } : {}) }, turn.trace);
  if (span) spans.set(turn, span);
}

export function turnEnded(turn: Turn | undefined, usage: Usage, costUsd: number, isError: boolean): void {
  const span = turn && spans.get(turn);
  if (!span) return;
  span.setAttributes({
    'nox.turn.input_tokens': usage.input_tokens,
    'nox.turn.output_tokens': usage.output_tokens,
    'nox.turn.cache_read_tokens': usage.cache_read_input_tokens ?? 0,
    'nox.turn.cache_creation_tokens': usage.cache_creation_input_tokens ?? 0,
    'nox.turn.cost_usd': costUsd,
  });
  if (isError) span.setStatus({ code: SpanStatusCode.ERROR, message: 'the turn ended with an error result' });
  span.end();
  spans.delete(turn);
}

export function turnLost(turn: Turn | undefined, why: string): void {
  const span = turn && spans.get(turn);
  if (!span) return;
  span.setStatus({ code: SpanStatusCode.ERROR, message: why });
  span.end();
  spans.delete(turn);
}
