/**
 * Notices a turn that has gone quiet (issue 18, item 5): while a turn owes output, a timer
 * checks how long ago the agent last wrote a line; after `afterMs` of silence it calls
 * `onStall` once. One timer per agent, re-armed for the time left rather than on every line,
 * so a chatty agent costs a timestamp per line.
 *
 * The supervisor says when output is owed: from the turn's start, and again when a permission
 * question is answered or a stalled turn speaks; not while a person decides a question, nor
 * between turns, nor once the process is gone.
 */
export interface StallWatch {
  /** a turn owes output from now on */
  watch(): void;
  /** the agent wrote a line */
  heard(): void;
  /** nothing is owed (the turn ended, a person is asked, the process is gone) */
  rest(): void;
}

export function createStallWatch(afterMs: number, onStall: (silentMs: number) => void, now: () => number = Date.now): StallWatch {
  let last = now();
  let watching = false;
  let timer: NodeJS.Timeout | undefined;

  const check = (): void => {
    timer = undefined;
    if (!watching) return;
    const silent = now() - last;
    if (silent < afterMs) return schedule(afterMs - silent);
    watching = false; // once per silence: output (or the next turn) watches again
    onStall(silent);
  };
  const schedule = (ms: number): void => {
    timer = setTimeout(check, ms);
    timer.unref();
  };

  return {
    watch() {
      last = now();
      watching = true;
      if (!timer) schedule(afterMs);
    },
    heard() {
      last = now();
    },
    rest() {
      watching = false;
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}
