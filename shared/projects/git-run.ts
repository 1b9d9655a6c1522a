import { execa } from 'execa';

/**
 * Every git command Nox runs on a project's repositories (docs/WORKTREES.md), in one place.
 * An agent's worktree is written by a hostile program, so a git that Nox runs on it outside
 * the sandbox must not run anything the worktree or its git folder could name: no hooks
 * (`core.hooksPath=/dev/null`), no fsmonitor, no pager, no editor, no credential prompt, no
 * system or global config (a worker's ~/.gitconfig is not the project's business), and
 * never `--force`. The caller names the git folder (`--git-dir`) itself rather than letting
 * git follow a worktree's `.git` file, which the agent can rewrite.
 */
const SAFE_FLAGS = ['-c', 'core.hooksPath=/dev/null', '-c', 'core.fsmonitor=false', '-c', 'core.pager=cat', '-c', 'protocol.ext.allow=never', '-c', 'safe.directory=*'];

const NOX_IDENTITY = { GIT_AUTHOR_NAME: 'Nox', GIT_AUTHOR_EMAIL: 'system@nox.local', GIT_COMMITTER_NAME: 'Nox', GIT_COMMITTER_EMAIL: 'system@nox.local' };

export interface GitResult {
  ok: boolean;
  code: number;
  stdout: string;
  stderr: string;
}

export interface GitOptions {
  cwd?: string;
  /** extra environment (an author identity) */
  env?: Record<string, string>;
  timeoutMs?: number;
  /** what git reads on its stdin (nothing otherwise) */
  input?: string;
  /**
   * A command git runs under (a bubblewrap view: workers/worktrees/agent-git-view.ts), when
   * it works on folders an agent writes.
   */
  view?: readonly string[] | undefined;
}

export async function git(args: readonly string[], options: GitOptions = {}): Promise<GitResult> {
  const [command, ...prefix] = options.view?.length ? [...options.view, 'git'] : ['git'];
  const run = await execa(command!, [...prefix, ...SAFE_FLAGS, ...args], {
    reject: false,
    ...(options.input !== undefined ? { input: options.input } : { stdin: 'ignore' as const }),
    timeout: options.timeoutMs ?? 120_000,
    ...(options.cwd ? { cwd: options.cwd } : {}),
    extendEnv: false,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: '/nonexistent',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_TERMINAL_PROMPT: '0',
      GIT_ASKPASS: '/bin/false',
      GIT_EDITOR: 'true',
      LANG: 'C',
      ...NOX_IDENTITY,
      ...(process.env.SSH_AUTH_SOCK ? { SSH_AUTH_SOCK: process.env.SSH_AUTH_SOCK } : {}),
      ...(options.env ?? {}),
    },
  });
  return { ok: run.exitCode === 0, code: run.exitCode ?? -1, stdout: String(run.stdout ?? ''), stderr: String(run.stderr ?? '') };
}

/** Like git(), but a failure throws with git's own words. */
export async function gitOk(args: readonly string[], options: GitOptions = {}): Promise<string> {
  const r = await git(args, options);
  if (!r.ok) throw new Error(`git ${args.filter((a) => !a.startsWith('-c')).slice(0, 4).join(' ')} failed (${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
  return r.stdout;
}

/** Is the text a URL git fetches over the network (not a local path)? */
export function isRemoteUrl(repo: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(repo) || /^[^/\s]+@[^:/\s]+:/.test(repo);
}
