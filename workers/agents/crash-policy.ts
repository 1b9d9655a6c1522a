import type { NoxConfig } from '../../shared/config/schema.js';

/**
 * What a crash leads to (docs/AGENTS.md, "Status"): restart after a delay that doubles with
 * every crash in the window, until `maxCrashes` crashes within `windowMs` open the circuit
 * breaker (status failed; `POST /reset` closes it). Pure: the supervisor keeps the crash
 * times and hands them back with each crash.
 */
export interface CrashPolicy {
  /** crashes within the window that open the breaker (`agent.circuit_max_crashes`) */
  maxCrashes: number;
  /** how far back crashes count (`agent.circuit_window_ms`) */
  windowMs: number;
  /** the first restart delay (`agent.restart_backoff_ms`) */
  backoffMs: number;
  /** the longest restart delay (`agent.restart_backoff_max_ms`) */
  backoffMaxMs: number;
}

export interface CrashVerdict {
  /** the crash times still inside the window, this one last: keep them for the next crash */
  times: number[];
  /** crashes inside the window, this one included */
  crashes: number;
  /** too many crashes: do not restart */
  breakerOpen: boolean;
  /** wait this long before restarting (meaningless when the breaker is open) */
  delayMs: number;
  maxCrashes: number;
  windowMs: number;
}

export function crashPolicyOf(agent: NoxConfig['agent']): CrashPolicy {
  return { maxCrashes: agent.circuit_max_crashes, windowMs: agent.circuit_window_ms, backoffMs: agent.restart_backoff_ms, backoffMaxMs: agent.restart_backoff_max_ms };
}

/** The delay before the restart after the n-th crash in the window (n ≥ 1): doubling, capped. */
export function backoffDelay(policy: CrashPolicy, crashes: number): number {
  return Math.min(policy.backoffMs * 2 ** (crashes - 1), policy.backoffMaxMs);
}

/** A crash at `now`, given the earlier crash times. */
export function judgeCrash(policy: CrashPolicy, earlier: readonly number[], now: number): CrashVerdict {
  const times = [...earlier.filter((t) => now - t < policy.windowMs), now];
  return {
    times,
    crashes: times.length,
    breakerOpen: times.length >= policy.maxCrashes,
    delayMs: backoffDelay(policy, times.length),
    maxCrashes: policy.maxCrashes,
    windowMs: policy.windowMs,
  };
}
