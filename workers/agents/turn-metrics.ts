import { METRIC } from '../../shared/metrics/catalogue.js';
import type { TurnUsage } from '../../shared/costs/daily-usage.js';
import type { NoxMetrics } from '../../shared/metrics/nox-metrics.js';
import type { Usage } from './claude-cli/protocol.js';

/** A finished turn on Prometheus's counters: one turn, its tokens by kind, and what it cost. */
export function countTurn(metrics: NoxMetrics, agentId: string, usage: Usage, costUsd: number): void {
  const agent = metrics.agentLabel(agentId);
  metrics.counter(METRIC.agentTurns).inc({ agent });
  const tokens = metrics.counter(METRIC.agentTokens);
  tokens.inc({ agent, kind: 'input' }, usage.input_tokens);
  tokens.inc({ agent, kind: 'output' }, usage.output_tokens);
  tokens.inc({ agent, kind: 'cache_read' }, usage.cache_read_input_tokens ?? 0);
  tokens.inc({ agent, kind: 'cache_creation' }, usage.cache_creation_input_tokens ?? 0);
  // the CLI's figure is cumulative per process: the caller passes this turn's share (never negative)
  metrics.counter(METRIC.agentCost).inc({ agent }, Math.max(0, costUsd));
}

/** A finished turn as the per-day ledger keeps it (shared/costs/daily-usage.ts). */
export function turnUsage(usage: Usage, costUsd: number): TurnUsage {
  return {
    costUsd: Math.max(0, costUsd),
    inputTokens: usage.input_tokens,
    outputTokens: usage.output_tokens,
    cacheReadTokens: usage.cache_read_input_tokens ?? 0,
    cacheCreationTokens: usage.cache_creation_input_tokens ?? 0,
  };
}
