import { execa, type ResultPromise } from 'execa';
import type { AgentLaunch } from './claude-cli/command-line.js';
import { createLineSplitter } from './claude-cli/line-parser.js';
import type { Logger } from '../../shared/logger.js';
import { descendants, processGroups } from './proc-info.js';

/**
 * One agent process. It is started `detached`, i.e. as the leader of its own process
 * group (pgid = pid), so that signals sent to `-pid` reach everything it started: tools,
 * MCP servers, shells. Stopping is TERM to the group, then KILL to the group after a
 * grace; SIGCONT follows every TERM because a throttled (SIGSTOPped) process would
 * otherwise never see it. Detached also means the agents outlive a crashed host, which is
 * what lets a restarted host find and kill the leftovers (agent-adoption.ts).
 *
 * In a sandbox (launch.sandbox), the group's leader is bubblewrap, outside, and the program
 * runs inside as its grandchild, in the same group. bubblewrap dies at once on TERM (it has
 * no handler) and takes the sandbox with it (`--die-with-parent`), which would cut the
 * program's own shutdown short; so the graceful TERM goes to every member of the group but
 * the leader, and the program's exit ends the sandbox, then bubblewrap. STOP, CONT and KILL
 * still go to the whole group (SIGSTOP and SIGKILL reach a pid namespace's init from
 * outside; the others reach the processes themselves).
 */
export interface ExitInfo {
  code: number | null;
  signal: string | null;
  /** the process never ran: the spawn's errno code (ENOENT, EACCES, ...) */
  spawnError?: string;
}

export interface AgentProcess {
  readonly pid: number;
  /** writes one line on stdin; false once stdin is gone */
  write(line: string): boolean;
  /** resolves when the main process has exited */
  readonly exited: Promise<ExitInfo>;
  readonly hasExited: boolean;
  /** TERM the group, KILL it after `graceMs`; resolves once the main process is gone */
  stop(graceMs: number): Promise<ExitInfo>;
  /** a signal to the whole group (ESRCH ignored) */
  signalGroup(signal: NodeJS.Signals): void;
}

export interface ProcessCallbacks {
  onLine(line: string): void;
  onStderr(line: string): void;
}

export function startAgentProcess(launch: AgentLaunch, callbacks: ProcessCallbacks, logger: Logger): AgentProcess {
  const child: ResultPromise = execa(launch.command, launch.args, {
    cwd: launch.cwd,
    env: launch.env,
    extendEnv: false,
    detached: true,
    stdin: 'pipe',
    stdout: 'pipe',
    stderr: 'pipe',
    buffer: false,
    reject: false,
    // execa's cleanup would not reach a detached child anyway; Nox stops agents itself.
    cleanup: false,
    encoding: 'utf8',
  });
  const pid = child.pid;
  if (pid === undefined) {
    // spawn failed synchronously (e.g. ENOENT): execa reports it through the promise
    logger.warn('agent process did not start', { command: launch.command });
  }

  const out = createLineSplitter(callbacks.onLine);
  const err = createLineSplitter(callbacks.onStderr, 64 * 1024);
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => out.push(chunk));
  child.stderr?.on('data', (chunk: string) => err.push(chunk));
  // EPIPE on a dying process must not become an unhandled 'error'
  child.stdin?.on('error', (e) => logger.debug('agent stdin error', { error: e.message }));

  let hasExited = false;
  const exited: Promise<ExitInfo> = child.then(
    (result) => {
      hasExited = true;
      out.end();
      err.end();
      if (result.failed && result.exitCode === undefined && !result.signal) {
        logger.warn('agent process failed to run', { error: result.shortMessage });
        const code = (result as { code?: unknown }).code;
        return { code: null, signal: null, spawnError: typeof code === 'string' ? code : 'spawn failed' };
      }
      return { code: result.exitCode ?? null, signal: result.signal ?? null };
    },
    (e: unknown) => {
      hasExited = true;
      logger.warn('agent process error', { error: (e as Error).message });
      return { code: null, signal: null };
    },
  );

  /** TERM for a graceful stop: the group, or in a sandbox the group without its leader */
  const terminate = (): void => {
    if (pid === undefined) return;
    if (!launch.sandbox) return signalGroup('SIGTERM');
    // the sandbox's processes are all below bwrap; a kernel without the children files: the group
    const members = descendants(pid) ?? (processGroups(new Set([pid])).get(pid) ?? []).filter((m) => m !== pid);
    for (const member of members) {
      try {
        process.kill(member, 'SIGTERM');
      } catch {
        // gone meanwhile
      }
    }
  };

  const signalGroup = (signal: NodeJS.Signals): void => {
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') logger.warn('could not signal agent group', { pid, signal, error: (e as Error).message });
    }
  };

  return {
    pid: pid ?? -1,
    exited,
    get hasExited() {
      return hasExited;
    },
    write(line) {
      const stdin = child.stdin;
      if (!stdin || stdin.destroyed || !stdin.writable) return false;
      stdin.write(line);
      return true;
    },
    signalGroup,
    async stop(graceMs) {
      if (!hasExited) {
        terminate();
        signalGroup('SIGCONT');
        const timer = setTimeout(() => signalGroup('SIGKILL'), graceMs);
        timer.unref();
        await exited;
        clearTimeout(timer);
      }
      // the leader is gone; children that ignored TERM (or were orphaned) go now
      signalGroup('SIGKILL');
      return exited;
    },
  };
}
