/**
 * The served mirror's cost (docs/WORKTREES.md, "Movable"): what a host's git pays to push an
 * agent's branch at a turn's end, and to fetch it when it takes the agent over, through
 * `/api/projects/<p>/agents/<id>/git` — against two baselines measured in the same run on the
 * same repository:
 *   - git alone: the same push and fetch to a bare repository by its path;
 *   - git smart HTTP alone: the same, through a bare Express handler running `git http-backend`
 *     (Nox's own CGI glue, api/projects/git-http-backend.ts) with no credential, limit or upkeep.
 * Nox adds the host credential's check and rate limit, the agent's placement check, the git
 * slots, and on a fetch's ref listing the base fetched from the project's repository.
 * Usage: npm run bench -- served-git [count] [files]   (default 100 pushes and fetches, a 200-file project)
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import { runHttpBackend } from '../../api/projects/git-http-backend.js';
import { startRegistryWriter } from '../../workers/registry/registry-writer.js';
import { startStack, testContext } from '../../test/support/harness.js';
import { line, summarize, timeEach, type Summary } from '../support/stats.js';

const gitEnv = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_TERMINAL_PROMPT: '0', GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@b', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@b' };
function personGit(repo: string, ...args: string[]): string {
  return execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: gitEnv }).trim();
}
function git(args: string[], header?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', [...(header ? ['-c', `http.extraHeader=${header}`] : []), ...args], { encoding: 'utf8', env: gitEnv }, (err, stdout, stderr) => (err ? reject(new Error(`git ${args.join(' ')}: ${stderr}`)) : resolve(stdout)));
  });
}

interface Target {
  name: string;
  url: (agentId: string) => string;
  header?: string;
}

/** One agent's turn-end pushes (a commit each), then fetches of its branch into an empty repository. */
async function measure(target: Target, repo: string, work: string, agentId: string, n: number): Promise<{ push: Summary; fetch: Summary }> {
  const clone = path.join(work, `${target.name}-${agentId}`);
  personGit(work, 'clone', '-q', repo, clone);
  let i = 0;
  const push = async (): Promise<void> => {
    writeFileSync(path.join(clone, 'turn.txt'), `turn ${i++}\n`);
    personGit(clone, 'commit', '-qam', `turn ${i}`);
    await git(['-C', clone, 'push', '-q', target.url(agentId), `HEAD:refs/heads/nox/${agentId}`], target.header);
  };
  writeFileSync(path.join(clone, 'turn.txt'), 'start\n');
  personGit(clone, 'add', '-A');
  personGit(clone, 'commit', '-qm', 'start');
  await git(['-C', clone, 'push', '-q', target.url(agentId), `HEAD:refs/heads/nox/${agentId}`], target.header);
  const pushes = summarize(await timeEach(n, push));
  const fetches = summarize(
    await timeEach(n, async (k) => {
      const into = path.join(work, `${target.name}-fetch-${k}`);
      execFileSync('git', ['init', '-q', '--bare', into]);
      await git(['--git-dir', into, 'fetch', '-q', target.url(agentId), `+refs/heads/nox/${agentId}:refs/heads/nox/${agentId}`], target.header);
      rmSync(into, { recursive: true, force: true });
    }),
  );
  return { push: pushes, fetch: fetches };
}

export async function run(args: string[]): Promise<void> {
  const n = Number(args[0] ?? 100);
  const files = Number(args[1] ?? 200);
  const work = mkdtempSync(path.join(os.tmpdir(), 'nox-bench-served-'));
  const repo = path.join(work, 'project');
  mkdirSync(path.join(repo, 'src'), { recursive: true });
  personGit(repo, 'init', '-q', '-b', 'main');
  for (let f = 0; f < files; f++) writeFileSync(path.join(repo, 'src', `f${f}.txt`), `${'line of the project\n'.repeat(50)}${f}\n`);
  personGit(repo, 'add', '-A');
  personGit(repo, 'commit', '-qm', 'the project');

  // git alone: a bare repository by its path
  const bare = path.join(work, 'plain.git');
  personGit(work, 'clone', '-q', '--bare', repo, bare);
  const plain = await measure({ name: 'plain', url: () => bare }, repo, work, 'a1', n);

  // git smart HTTP alone: Nox's CGI glue behind a bare Express handler
  const cgiRoot = path.join(work, 'cgi');
  mkdirSync(cgiRoot);
  personGit(work, 'clone', '-q', '--bare', repo, path.join(cgiRoot, 'p.git'));
  personGit(path.join(cgiRoot, 'p.git'), 'config', 'http.receivepack', 'true');
  const app = express();
  app.use('/p.git', (req, res) => void runHttpBackend(req, res, { root: cgiRoot, pathInfo: `/p.git${req.path}`, remoteUser: 'bench', timeoutMs: 60_000 }));
  const server = createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const cgiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/p.git`;
  const cgi = await measure({ name: 'cgi', url: () => cgiUrl }, repo, work, 'a1', n);
  server.close();

  // Nox: the served mirror, with a host credential (an API and the registry writer; no worker host is needed)
  const stack = await startStack({ withHost: false });
  const writer = await startRegistryWriter(testContext(stack.config, 'worker'), { watchTasks: false });
  const must = async (res: Promise<Response>, status: number): Promise<Record<string, unknown>> => {
    const r = await res;
    if (r.status !== status) throw new Error(`${r.url} answered ${r.status}: ${await r.text()}`);
    return (await r.json()) as Record<string, unknown>;
  };
  try {
    await must(stack.call('POST', '/api/projects', { role: 'admin', body: { name: 'sg', repo } }), 201);
    await must(stack.call('POST', '/api/agents', { role: 'admin', body: { id: 'a1', project: 'sg' } }), 201);
    const credential = (await must(stack.call('POST', '/api/system/host-tokens', { role: 'admin', body: { hostId: 'bench-host' } }), 201)).credential as string;
    const nox = await measure({ name: 'nox', url: (id) => `${stack.api.url}/api/projects/sg/agents/${id}/git`, header: `Authorization: Bearer ${credential}` }, repo, work, 'a1', n);

    process.stdout.write(`served mirror: ${n} sequential turn-end pushes (one commit each) and ${n} fetches of the agent's branch into an empty repository; project of ${files + 2} files\n`);
    for (const [name, r] of [
      ['git alone (path)', plain],
      ['git smart HTTP alone', cgi],
      ['Nox served mirror', nox],
    ] as const) {
      process.stdout.write(`${line(`push  ${name}`, r.push)}\n${line(`fetch ${name}`, r.fetch)}\n`);
    }
    const ratio = (a: Summary, b: Summary): string => `${(a.p50 / b.p50).toFixed(2)}× p50, ${(a.p99 / b.p99).toFixed(2)}× p99`;
    process.stdout.write(`push:  Nox ÷ smart HTTP alone ${ratio(nox.push, cgi.push)}; Nox ÷ git alone ${ratio(nox.push, plain.push)}\n`);
    process.stdout.write(`fetch: Nox ÷ smart HTTP alone ${ratio(nox.fetch, cgi.fetch)}; Nox ÷ git alone ${ratio(nox.fetch, plain.fetch)}\n`);
  } finally {
    await writer.close();
    await stack.cleanup();
    rmSync(work, { recursive: true, force: true });
  }
}
