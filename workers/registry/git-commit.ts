import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Actor } from '../../shared/registry/changes.js';
import { authorOf } from '../../shared/registry/commit-format.js';
import { createCommitShell, type CommitShell } from './commit-shell.js';
import { COMMITTER } from './git-repo.js';

/**
 * The writer's commit: exactly the given paths (new, changed or deleted), one `sh` for the
 * git steps, the sha read from the ref file.
 *
 * Why so, measured on a 1 MB agents.toml (2,000 agents), where the commit is most of a
 * change's latency:
 * - `git commit -q`: without -q git prints a diffstat, which diffs the old and new file
 *   (~10 ms of a ~28 ms commit);
 * - no process started from the writer: each start is a fork and exec of a large Node
 *   process, which blocks its event loop for a few ms (simple-git, used before, started
 *   three and needed output from each — it waits 50 ms on a silent process); the steps run
 *   in one long-lived shell per registry folder (commit-shell.ts);
 * - `git commit -- <paths>` alone when every path is tracked (the usual case: agents.toml
 *   changes), which stages them itself; only when that fails (a new file) `git add` first;
 * - HEAD's sha read from `.git/HEAD` and its ref file rather than another `git rev-parse`.
 * Together ~30 % less than add + commit + rev-parse in one `sh`.
 */
export interface CommitSpec {
  paths: string[];
  /** the whole message: subject, body, trailers (commitMessage) */
  message: string;
  author: Actor;
}

/** the message is a file (`-F`) so the fallback commit can read it again */
const MESSAGE_FILE = 'NOX_COMMIT_EDITMSG';
const COMMIT = `git -c commit.gpgSign=false commit -q --no-verify --author="$NOX_GIT_AUTHOR" -F "$NOX_GIT_MESSAGE" -- "$@"`;
const SCRIPT = `${COMMIT} 2>/dev/null || { git add -A -- "$@" && ${COMMIT}; }`;

const shells = new Map<string, CommitShell>();
const shellOf = (dir: string): CommitShell => {
  let shell = shells.get(dir);
  if (!shell) shells.set(dir, (shell = createCommitShell(dir)));
  return shell;
};

/** Ends the commit shell of a registry folder (the writer's close); the next commit starts another. */
export function closeCommitShell(dir: string): void {
  shells.get(dir)?.close();
  shells.delete(dir);
}

/** Commits exactly `paths`; the new sha, or null when nothing in them differs from HEAD. */
export async function commitPaths(dir: string, spec: CommitSpec): Promise<string | null> {
  if (spec.paths.length === 0) return null;
  const messageFile = path.join(dir, '.git', MESSAGE_FILE);
  writeFileSync(messageFile, spec.message);
  const env = { NOX_GIT_AUTHOR: authorOf(spec.author), NOX_GIT_MESSAGE: messageFile, GIT_COMMITTER_NAME: COMMITTER.name, GIT_COMMITTER_EMAIL: COMMITTER.email };
  const { code, stdout, stderr } = await shellOf(dir).run(SCRIPT, spec.paths, env);
  if (code !== 0) {
    // "nothing to commit" exits 1 and says so on stdout
    if (/nothing (added )?to commit|no changes added to commit/i.test(`${stdout}\n${stderr}`)) return null;
    throw new Error(`git commit failed (${code}): ${(stderr || stdout).trim().slice(0, 500)}`);
  }
  return headSha(dir);
}

/** HEAD's sha: from `.git/HEAD` and the loose ref a commit has just written; `git rev-parse` when that is not how this repository keeps refs. */
export async function headSha(dir: string): Promise<string> {
  try {
    const head = readFileSync(path.join(dir, '.git', 'HEAD'), 'utf8').trim();
    const ref = head.startsWith('ref: ') ? head.slice(5) : undefined;
    const sha = ref && /^refs\/heads\/[A-Za-z0-9._/-]+$/.test(ref) ? readFileSync(path.join(dir, '.git', ref), 'utf8').trim() : head;
    if (/^[0-9a-f]{40}$/.test(sha)) return sha;
  } catch {
    // packed refs, a reftable repository, .git as a file: ask git
  }
  const { code, stdout, stderr } = await run('git', ['rev-parse', 'HEAD'], dir, process.env);
  if (code !== 0 || !/^[0-9a-f]{40}$/.test(stdout.trim())) throw new Error(`git rev-parse HEAD failed (${code}): ${stderr.trim().slice(0, 300)}`);
  return stdout.trim();
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}
