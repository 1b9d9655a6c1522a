import type { Redis } from 'ioredis';
import type { Keys } from '../../shared/keys.js';
import { redisScript } from '../../shared/redis-script.js';
import type { Usage } from './claude-cli/protocol.js';

/**
 * An agent's money over its whole life (docs/AGENTS.md, "Cost and tokens"). The CLI's
 * `total_cost_usd` is cumulative for one PROCESS, so the ledger keeps two figures: the
 * base (what processes that have ended spent) and the running process's latest figure.
 * Spent = both; a restart moves the process figure into the base, so nothing is counted
 * twice or lost. With a budget, reaching it makes the agent over budget.
 */
/** The cost fields of the agent's runtime hash (shared/agents/runtime-state.ts). */
export interface CostFields {
  costBaseUsd: number;
  processCostUsd: number;
  costUsd: number;
}

export interface CostLedger {
  readonly spentUsd: number;
  /** the agent's `max_budget_usd` as of its last start */
  readonly budgetUsd: number | undefined;
  readonly overBudget: boolean;
  /** budget left for the next process (its --max-budget-usd); undefined without a budget */
  readonly remainingUsd: number | undefined;
  /** the agent starts on this host: what it spent before (the runtime hash's costUsd) is the base */
  begin(previousUsd: number): void;
  setBudget(budgetUsd: number | undefined): void;
  /** a new process starts counting from 0 */
  processStarted(): void;
  /** a result line: the process's cumulative cost so far */
  processReported(totalCostUsd: number): void;
  /** the process is gone: its figure joins the base */
  processEnded(): void;
  fields(): CostFields;
}

export function createCostLedger(): CostLedger {
  let base = 0;
  let process = 0;
  let budget: number | undefined;
  const spent = (): number => base + process;
  return {
    get spentUsd() {
      return spent();
    },
    get budgetUsd() {
      return budget;
    },
    get overBudget() {
      return budget !== undefined && spent() >= budget;
    },
    get remainingUsd() {
      return budget === undefined ? undefined : budget - spent();
    },
    begin(previousUsd) {
      base = previousUsd;
      process = 0;
    },
    setBudget(budgetUsd) {
      budget = budgetUsd;
    },
    processStarted() {
      process = 0;
    },
    processReported(totalCostUsd) {
      // cumulative for the process: the latest figure is the process's total
      process = Math.max(process, totalCostUsd);
    },
    processEnded() {
      base += process;
      process = 0;
    },
    fields: () => ({ costBaseUsd: base, processCostUsd: process, costUsd: spent() }),
  };
}

/** The runtime hash counters a result adds to (tokens are per turn, so they are summed). */
export function usageIncrements(usage: Usage): Record<'inputTokens' | 'outputTokens' | 'cacheReadTokens' | 'cacheCreationTokens' | 'turns', number> {
  return {
    inputTokens: usage.input_tokens,
    outputTokens: usage.output_tokens,
    cacheReadTokens: usage.cache_read_input_tokens ?? 0,
    cacheCreationTokens: usage.cache_creation_input_tokens ?? 0,
    turns: 1,
  };
}

/** HINCRBY of each field/count pair in ARGV on KEYS[1]: one command for a turn's five counters. */
const INCREMENTS = redisScript(`
for i = 1, #ARGV, 2 do redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1]) end
return 1
`);

/** Adds a result's tokens (and one turn) to the agent's runtime hash. */
export function recordUsage(redis: Redis, keys: Keys, agentId: string, usage: Usage): Promise<unknown> {
  return INCREMENTS(redis, [keys.agent(agentId)], Object.entries(usageIncrements(usage)).flat());
}
