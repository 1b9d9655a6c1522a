import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FIXTURES_DIR } from '../support/harness.js';
import type { AgentStack } from '../agents/agent-stack.js';

/** The stand-in agent that runs `sh <command>` turns in its worktree (test/fixtures/git-agent.mjs). */
export const GIT_AGENT = path.join(FIXTURES_DIR, 'git-agent.mjs');

/** git as a person runs it on their repository (no Nox flags). */
export function personGit(repo: string, ...args: string[]): string {
  return execFileSync('git', ['-C', repo, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, GIT_AUTHOR_NAME: 'person', GIT_AUTHOR_EMAIL: 'p@example.org', GIT_COMMITTER_NAME: 'person', GIT_COMMITTER_EMAIL: 'p@example.org', GIT_CONFIG_GLOBAL: '/dev/null' },
  }).trim();
}

/** A person's repository: branch main with one commit of `shared.txt` (in a new temp folder, or in `dir`). */
export function personRepo(dir?: string): string {
  const repo = dir ?? mkdtempSync(path.join(os.tmpdir(), 'nox-person-repo-'));
  mkdirSync(repo, { recursive: true });
  personGit(repo, 'init', '-q', '-b', 'main');
  writeFileSync(path.join(repo, 'shared.txt'), 'line one\nline two\nline three\n');
  writeFileSync(path.join(repo, 'README.md'), '# the project\n');
  personGit(repo, 'add', '-A');
  personGit(repo, 'commit', '-q', '-m', 'first');
  return repo;
}

/** Runs one `sh` turn of an agent and returns its reply (`exit <code>: <output>`); `n` counts the agent's results. */
export function shTurns(stack: AgentStack): (agentId: string, command: string) => Promise<string> {
  const counts = new Map<string, number>();
  return async (agentId, command) => {
    const n = (counts.get(agentId) ?? 0) + 1;
    counts.set(agentId, n);
    await stack.turn(agentId, `sh ${command}`);
    const result = await stack.waitResult(agentId, n, 20_000);
    return result.text ?? '';
  };
}

/**
 * git with an http.extraHeader bearer (a host's credential), as a host's Nox runs it against
 * the served mirror — asynchronous, since the API may answer from this very process. Resolves
 * to `ok`, or to what git said when it failed (stderr).
 */
export function bearerGit(bearer: string, ...args: string[]): Promise<string> {
  return new Promise((resolve) => {
    execFile('git', ['-c', `http.extraHeader=Authorization: Bearer ${bearer}`, ...args], { encoding: 'utf8', env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_TERMINAL_PROMPT: '0' } }, (err, _stdout, stderr) => {
      resolve(err ? `${_stdout}${stderr}` || err.message : 'ok');
    });
  });
}

/** A host credential minted by an admin for `hostId` (the served mirror's git URLs take it as a bearer). */
export async function hostCredential(api: Pick<AgentStack, 'json'>, hostId: string): Promise<string> {
  return (await api.json<{ credential: string }>('POST', '/api/system/host-tokens', 201, { body: { hostId } })).credential;
}
