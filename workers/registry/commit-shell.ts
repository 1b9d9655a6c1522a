import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import path from 'node:path';

/**
 * One long-lived `sh` per registry folder that the writer's commits run in, instead of a
 * process started from the writer per commit.
 *
 * Why: Node starts a child by forking itself, and the writer is a large process (the
 * parsed registry, BullMQ, ioredis): each start blocked its event loop ~5-7 ms and made the
 * commit ~8-13 ms slower end to end than the same git commands started from a small shell
 * (measured with a 1 MB agents.toml: 29-43 → 22-30 ms p50, p90 75-80 → 41-82 ms). The shell
 * forks a small subshell per commit instead.
 *
 * Each script runs in a subshell `( … )` (its own environment, folder and positional
 * arguments), its stdout and stderr into files under `.git/`, then the shell prints a
 * marker line with the exit code; scripts run one at a time, in the order asked. If the
 * shell dies, what waits fails (the commit is settled as any failed commit: the journal)
 * and the next script starts a new shell. A writer killed mid-commit closes the shell's
 * stdin: the shell finishes the script it runs (as a child git would) and exits.
 */
export interface ShellResult {
  code: number;
  stdout: string;
  stderr: string;
}

interface Pending {
  id: number;
  resolve: (r: ShellResult) => void;
  reject: (err: Error) => void;
}

export interface CommitShell {
  run(script: string, args: readonly string[], env: Record<string, string>): Promise<ShellResult>;
  close(): void;
}

/** single quotes for sh: nothing inside is expanded */
const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MARKER = /^__nox_done (\d+) (\d+)$/m;

export function createCommitShell(dir: string): CommitShell {
  const out = path.join(dir, '.git', 'NOX_COMMIT_OUT');
  const err = path.join(dir, '.git', 'NOX_COMMIT_ERR');
  let child: ChildProcessWithoutNullStreams | undefined;
  let buffered = '';
  let nextId = 1;
  const waiting: Pending[] = [];
  let queue: Promise<unknown> = Promise.resolve();

  /** the pipes are sockets: an idle shell must not keep the process alive, a busy one must */
  const pipes = (c: ChildProcessWithoutNullStreams): Socket[] => [c.stdin, c.stdout, c.stderr] as unknown[] as Socket[];
  const idle = (c: ChildProcessWithoutNullStreams): void => {
    c.unref();
    for (const p of pipes(c)) p.unref();
  };
  const busy = (c: ChildProcessWithoutNullStreams): void => {
    c.ref();
    for (const p of pipes(c)) p.ref();
  };

  const failAll = (error: Error): void => {
    for (const p of waiting.splice(0)) p.reject(error);
  };

  const start = (): ChildProcessWithoutNullStreams => {
    const c = spawn('sh', ['-s'], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'], env: process.env });
    buffered = '';
    c.stdout.setEncoding('utf8');
    c.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      for (let m = MARKER.exec(buffered); m; m = MARKER.exec(buffered)) {
        buffered = buffered.slice(m.index + m[0].length);
        const id = Number(m[1]);
        const at = waiting.findIndex((p) => p.id === id);
        if (at < 0) continue;
        const [p] = waiting.splice(at, 1);
        const read = (f: string): string => {
          try {
            return readFileSync(f, 'utf8');
          } catch {
            return '';
          }
        };
        p!.resolve({ code: Number(m[2]), stdout: read(out), stderr: read(err) });
        if (waiting.length === 0) idle(c);
      }
    });
    c.stderr.resume(); // the subshells write theirs to a file; anything else is dropped
    c.stdin.on('error', () => undefined); // EPIPE from a dead shell: reported by 'close'
    const gone = (why: string): void => {
      if (child === c) child = undefined;
      failAll(new Error(`the commit shell ${why}`));
    };
    c.once('error', (e) => gone(`could not run: ${e.message}`));
    c.once('close', (code, signal) => gone(`exited (${signal ?? code})`));
    return c;
  };

  const runOne = (script: string, args: readonly string[], env: Record<string, string>): Promise<ShellResult> =>
    new Promise<ShellResult>((resolve, reject) => {
      for (const name of Object.keys(env)) if (!NAME.test(name)) return reject(new Error(`not an environment name: ${name}`));
      child ??= start();
      busy(child);
      const id = nextId++;
      waiting.push({ id, resolve, reject });
      const exports = Object.entries(env).map(([k, v]) => `${k}=${quote(v)}`);
      const line = `( ${exports.length ? `export ${exports.join(' ')}; ` : ''}cd ${quote(dir)} && set -- ${args.map(quote).join(' ')} && {\n${script}\n}\n) >${quote(out)} 2>${quote(err)} </dev/null; echo "__nox_done ${id} $?"\n`;
      child.stdin.write(line);
    });

  return {
    run(script, args, env) {
      // one at a time: the output files are shared
      const result = queue.then(() => runOne(script, args, env));
      queue = result.catch(() => undefined);
      return result;
    },
    close() {
      const c = child;
      child = undefined;
      if (!c) return;
      c.stdin.end();
      failAll(new Error('the commit shell was closed'));
      for (const f of [out, err]) rmSync(f, { force: true });
    },
  };
}
