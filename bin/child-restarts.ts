/**
 * When `nox up` restarts a child (the API or the worker host) that died: at once the first
 * time, then with a doubling delay while it keeps dying (1 s, 2 s, 4 s … at most 30 s),
 * counting only deaths within the last 10 minutes, so a child that ran well for a while
 * starts again quickly. Exit code 2 is a configuration error: starting again would only
 * fail again, so that one stops `nox up` with the child's message.
 */
export const RESTART_WINDOW_MS = 10 * 60_000;
export const RESTART_MAX_DELAY_MS = 30_000;
export const CONFIG_ERROR_EXIT = 2;

export type RestartDecision = { restart: true; delayMs: number; deathsInWindow: number } | { restart: false; why: string };

/** `deaths`: earlier deaths' times (updated in place with `now`). */
export function decideRestart(deaths: number[], now: number, code: number | null): RestartDecision {
  if (code === CONFIG_ERROR_EXIT) return { restart: false, why: 'its configuration is invalid (exit code 2)' };
  const recent = deaths.filter((t) => now - t < RESTART_WINDOW_MS);
  recent.push(now);
  deaths.splice(0, deaths.length, ...recent);
  const delayMs = recent.length <= 1 ? 0 : Math.min(1000 * 2 ** (recent.length - 2), RESTART_MAX_DELAY_MS);
  return { restart: true, delayMs, deathsInWindow: recent.length };
}
