import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * One process at a time on a mirror, across the processes of one machine (`nox api --workers
 * N` share the served mirror; worker processes on one machine can share a workspace). Within
 * a process project-mirror.ts `oneAtATime` orders the work; this lock orders the processes,
 * so that one's fetch never lands its objects while another's narrowing prunes
 * (mirror-layout.ts).
 *
 * The lock is a folder beside the mirror (mkdir is atomic) holding its owner: host name, pid
 * and a nonce. It is taken over, not waited for, when its owner is gone:
 * - a process of this machine that no longer runs;
 * - this very pid while this process does not hold it (a container restarted as the same pid 1);
 * - no owner written a while after the folder was made (a holder killed between the two).
 * A takeover renames the folder away first and checks it took the owner it judged gone, so
 * two takers never both enter; a holder removes the lock only while it is still its own.
 */
const POLL_MS = 25;
const OWNERLESS_AFTER_MS = 10_000;
const heldHere = new Set<string>();

export async function withMirrorLock<T>(mirror: string, work: () => Promise<T>): Promise<T> {
  const lock = `${mirror}.nox-lock`;
  mkdirSync(path.dirname(lock), { recursive: true });
  const me = `${hostname()} ${process.pid} ${randomBytes(6).toString('hex')}`;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(path.join(lock, 'owner'), me);
      heldHere.add(lock);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = ownerOf(lock);
      if (!(owner !== null && gone(lock, owner) && takeOver(lock, owner))) await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }
  try {
    return await work();
  } finally {
    heldHere.delete(lock);
    if (ownerOf(lock) === me) rmSync(lock, { recursive: true, force: true });
  }
}

/** The owner written in the lock; '' when none is (yet); null when there is no lock. */
function ownerOf(lock: string): string | null {
  try {
    return readFileSync(path.join(lock, 'owner'), 'utf8');
  } catch {
    try {
      statSync(lock);
      return '';
    } catch {
      return null;
    }
  }
}

function gone(lock: string, owner: string): boolean {
  if (owner === '') {
    try {
      return Date.now() - statSync(lock).mtimeMs > OWNERLESS_AFTER_MS;
    } catch {
      return false;
    }
  }
  const [host, pidText] = owner.split(' ');
  const pid = Number(pidText);
  if (host !== hostname() || !Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return !heldHere.has(lock);
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Moves the gone owner's lock away; true when it was that one (a live lock moved by mistake is put back). */
function takeOver(lock: string, owner: string): boolean {
  const aside = `${lock}.gone-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    renameSync(lock, aside);
  } catch {
    return false; // another taker was first
  }
  if (ownerOf(aside) === owner) {
    rmSync(aside, { recursive: true, force: true });
    return true;
  }
  try {
    renameSync(aside, lock);
  } catch {
    rmSync(aside, { recursive: true, force: true });
  }
  return false;
}
