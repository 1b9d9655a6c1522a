import { readFileSync } from 'node:fs';

/**
 * Names a live process in a way that survives pid reuse: `<pid>:<start time>`, the start
 * time being field 22 of /proc/<pid>/stat (clock ticks since boot). The worker host labels
 * each service container with its own identity; the reaper removes a container whose
 * process is gone (a host that crashed or restarted).
 * Where /proc is missing, the identity is the pid alone and liveness is `kill(pid, 0)`.
 */
export function processIdentity(pid: number = process.pid): string {
  const start = startTime(pid);
  return start === undefined ? String(pid) : `${pid}:${start}`;
}

export function isProcessAlive(identity: string): boolean {
  const [pidText, start] = identity.split(':');
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to someone else — still alive.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (start === undefined) return true;
  return startTime(pid) === start;
}

function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may contain spaces: split after it.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[19]; // field 22 overall = index 19 after the first two fields
  } catch {
    return undefined;
  }
}
