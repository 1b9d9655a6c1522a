/**
 * Who may use a served mirror at once, in this process (docs/WORKTREES.md, "Upkeep of the
 * served mirror"): the hosts' fetches and pushes together (`shared`), its upkeep alone
 * (`exclusive`: gc rewrites packs and packed-refs, so it never runs beside a push here). An
 * upkeep that waits keeps new fetches and pushes waiting behind it, so a busy project's
 * stream of pushes cannot put it off for ever; its own git commands are bounded in time
 * (served-upkeep.ts), so nothing waits long.
 *
 * Across processes (`nox api --workers N` on one machine) there is no such gate: git's own
 * locks and gc's grace period (`gc.pruneExpire`, two weeks: it never drops an object a
 * concurrent push may be about to reference) make that safe, only slower.
 */
interface Gate {
  users: number;
  /** set while an upkeep waits or runs; resolved when it ends */
  upkeep?: Promise<void>;
  /** called when the last user leaves, for the upkeep waiting on them */
  drained?: () => void;
}

const gates = new Map<string, Gate>();

function gateOf(mirror: string): Gate {
  let gate = gates.get(mirror);
  if (!gate) {
    gate = { users: 0 };
    gates.set(mirror, gate);
  }
  return gate;
}

function forget(mirror: string, gate: Gate): void {
  if (gate.users === 0 && !gate.upkeep && gates.get(mirror) === gate) gates.delete(mirror);
}

/**
 * Waits out any upkeep of the mirror, then `claim`s its gate (a user counted, or the upkeep's
 * mark set) in the same step as the last check, so that nothing else slips in between. The
 * gate is looked up again after each wait: the upkeep that ended may have forgotten its gate
 * (no users left), and a use claimed on that one would be invisible to the next upkeep, which
 * would make a new gate and run beside it.
 */
async function claimAfterUpkeeps(mirror: string, claim: (gate: Gate) => void): Promise<Gate> {
  let gate = gateOf(mirror);
  while (gate.upkeep) {
    await gate.upkeep;
    gate = gateOf(mirror);
  }
  claim(gate);
  return gate;
}

/** Runs a fetch or push: beside others, never beside an upkeep. */
export async function sharedUse<T>(mirror: string, work: () => Promise<T>): Promise<T> {
  const gate = await claimAfterUpkeeps(mirror, (g) => {
    g.users += 1;
  });
  try {
    return await work();
  } finally {
    gate.users -= 1;
    if (gate.users === 0) gate.drained?.();
    forget(mirror, gate);
  }
}

/** Runs an upkeep once no fetch or push runs; none starts until it ends. */
export async function exclusiveUse<T>(mirror: string, work: () => Promise<T>): Promise<T> {
  let ended = (): void => undefined;
  const gate = await claimAfterUpkeeps(mirror, (g) => {
    g.upkeep = new Promise<void>((resolve) => {
      ended = resolve;
    });
  });
  try {
    if (gate.users > 0) {
      await new Promise<void>((resolve) => {
        gate.drained = resolve;
      });
    }
    gate.drained = undefined;
    return await work();
  } finally {
    gate.upkeep = undefined;
    ended();
    forget(mirror, gate);
  }
}
