import { hostname } from 'node:os';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * One process at a time on a mirror, across the processes of one machine (`nox api --workers
 * N` share the served mirror; worker processes on one machine can share a workspace). Within
 * a process project-mirror.ts `oneAtATime` orders the work; this lock orders the processes,
 * so that one's fetch never lands its objects while another's narrowing prunes
 * (mirror-layout.ts).
 *
 * The lock is a folder beside the mirror (mkdir is atomic), holding the owner's host name and
 * pid. A lock whose owner is a dead process of this machine is taken over at once; one of a
 * live owner is waited for.
 */
const POLL_MS = 25;

export async function withMirrorLock<T>(mirror: string, work: () => Promise<T>): Promise<T> {
  const lock = `${mirror}.nox-lock`;
  mkdirSync(path.dirname(lock), { recursive: true });
  const me = `${hostname()} ${process.pid}`;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(path.join(lock, 'owner'), me);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (ownerGone(lock)) rmSync(lock, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }
  try {
    return await work();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** The owner is a process of this machine that no longer runs (killed while it held the lock). */
function ownerGone(lock: string): boolean {
  let owner: string;
  try {
    owner = readFileSync(path.join(lock, 'owner'), 'utf8');
  } catch {
    return false; // being made right now: its owner writes it next
  }
  const [host, pid] = owner.split(' ');
  if (host !== hostname() || !pid) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
