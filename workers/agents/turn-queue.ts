/**
 * An agent's turns: the ones waiting, and the one written on stdin whose `result` has not
 * come back yet. A CLI process runs one turn at a time, so the next is written only once
 * the current one has ended (docs/AGENTS.md, "Status"). A turn in flight when its process
 * dies is dropped, not sent again: it may have had side effects. Waiting turns survive a
 * restart, and — through `onChange`, which the supervisor points at a store in Redis
 * (waiting-turns.ts) — the host's own death.
 */
export interface Turn {
  text: string;
  /** the request or message the turn came from; the turn's events carry it */
  correlationId?: string;
  /** the trace the turn belongs to (W3C carrier), when tracing is on */
  trace?: Record<string, string>;
  /** the inbox messages the turn carries (workers/messages/deliverer.ts): a turn a usage limit refused goes back to the inbox */
  messageIds?: readonly string[];
  /** the task the turn works for: its cost counts for that task (shared/costs/task-attribution.ts) */
  taskId?: string;
}

export interface TurnQueue {
  /** turns waiting */
  readonly length: number;
  readonly full: boolean;
  /** the turn written and not yet ended */
  readonly current: Turn | undefined;
  add(turn: Turn): void;
  /** puts a turn first in line (one a usage limit refused, to run when it resets) */
  addFirst(turn: Turn): void;
  /**
   * Writes the first waiting turn with `write`; it becomes current. When `write` fails (the
   * process's stdin is gone) the turn stays first in line. Call only with no current turn.
   */
  sendNext(write: (turn: Turn) => boolean): Turn | undefined;
  /** the current turn has ended (its result, or its process is gone): returns it */
  end(): Turn | undefined;
  /** turns kept from an earlier run, in line ahead of any added since (a start on a new host) */
  restore(kept: readonly Turn[]): void;
}

/** `onChange` sees the waiting turns after every change to them */
export function createTurnQueue(maxWaiting: number, onChange?: (waiting: readonly Turn[]) => void): TurnQueue {
  const waiting: Turn[] = [];
  let current: Turn | undefined;
  const changed = (): void => onChange?.(waiting);
  return {
    get length() {
      return waiting.length;
    },
    get full() {
      return waiting.length >= maxWaiting;
    },
    get current() {
      return current;
    },
    add(turn) {
      waiting.push(turn);
      changed();
    },
    addFirst(turn) {
      waiting.unshift(turn);
      changed();
    },
    restore(kept) {
      if (kept.length === 0) return;
      waiting.unshift(...kept);
      changed();
    },
    sendNext(write) {
      const next = waiting[0];
      if (current || !next || !write(next)) return undefined;
      waiting.shift();
      current = next;
      changed();
      return next;
    },
    end() {
      const ended = current;
      current = undefined;
      return ended;
    },
  };
}
