import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../../bin/local-redis.js';
import { selfCommand } from '../../shared/runtime/self-command.js';
import type { ApprovalRequest } from '../../shared/approvals/approval-request.js';
import { dropPrefix, redisUrl, TEST_SECRET, testSecretsFile, testWorkspaceRoot, tokenFor, uniquePrefix, waitUntil } from '../support/harness.js';

/**
 * `nox api --workers 2` stopped by a signal to its whole process group (Ctrl-C in a terminal,
 * systemd's control-group kill): each worker gets the signal directly and again from the
 * primary, which forwards it. The second must not read as "again: exit now" — a request in
 * flight is answered. A second signal to the primary still ends everything at once.
 *
 * The request held in flight is a real long-poll: GET /api/approvals/:id?wait_ms=… on an
 * approval no worker host evaluates (none runs here), so it stays pending and the poll
 * answers 200 when wait_ms has passed.
 */
describe('nox api --workers 2, signalled as a process group', function () {
  this.timeout(90_000);
  const WAIT_MS = 4000;
  let dir: string;
  let prefix: string;
  let url: string;
  let child: ChildProcess;
  let output: string;
  let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  let workerPids: number[];

  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'nox-api-group-'));
    prefix = uniquePrefix();
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const cmd = selfCommand('bin/cli', ['api', '--workers', '2']);
    const env = {
      ...process.env,
      NOX_REGISTRY_DIR: dir,
      NOX_SECRETS_FILE: testSecretsFile(dir),
      NOX_AGENT_WORKSPACE_ROOT: testWorkspaceRoot(dir),
      REDIS_URL: redisUrl(),
      NOX_REDIS_PREFIX: prefix,
      NOX_PORT: String(port),
      NOX_JWT_SECRET: TEST_SECRET,
      LOG_LEVEL: 'warn',
    };
    // detached: a process group of its own (pgid = the primary's pid), as a terminal's foreground job is
    child = spawn(cmd.command, cmd.args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    output = '';
    child.stdout?.on('data', (c: Buffer) => void (output += c.toString()));
    child.stderr?.on('data', (c: Buffer) => void (output += c.toString()));
    exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    // both workers listening: two distinct pids answer /health
    const seen = new Set<number>();
    await waitUntil(async () => {
      const res = await fetch(`${url}/health`, { headers: { connection: 'close' } }).catch(() => undefined);
      if (res?.ok) seen.add(((await res.json()) as { pid: number }).pid);
      return seen.size >= 2;
    }, 60_000, 50);
    workerPids = [...seen];
  });

  afterEach(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch {
        // the group is gone already
      }
      await exited;
    }
    await dropPrefix(prefix);
    rmSync(dir, { recursive: true, force: true });
  });

  /** a pending approval and `n` long-polls on it, each on a connection of its own (so round-robin spreads them over both workers) */
  const holdPolls = async (n: number): Promise<Promise<{ status: number; approval?: ApprovalRequest } | Error>[]> => {
    const headers = { authorization: `Bearer ${tokenFor('operator')}`, 'content-type': 'application/json' };
    const res = await fetch(`${url}/api/approvals`, { method: 'POST', headers, body: JSON.stringify({ agent_id: 'group-signal', description: 'may I?' }) });
    expect(res.status, await res.clone().text()).to.equal(202);
    const { id } = (await res.json()) as ApprovalRequest;
    const polls = Array.from({ length: n }, () =>
      fetch(`${url}/api/approvals/${id}?wait_ms=${WAIT_MS}`, { headers: { authorization: headers.authorization, connection: 'close' } }).then(
        async (r) => ({ status: r.status, approval: (await r.json()) as ApprovalRequest }),
        (err: Error) => err,
      ),
    );
    // let every poll reach its handler before the signal
    await new Promise((r) => setTimeout(r, 500));
    return polls;
  };

  /** every poll answered 200 (still pending) when wait_ms ran out, not cut short; the cluster exited 0 */
  const expectAnswered = async (polls: Awaited<ReturnType<typeof holdPolls>>, signalledAt: number): Promise<void> => {
    for (const a of await Promise.all(polls)) {
      expect(a, `a poll was dropped:\n${output}`).to.not.be.instanceOf(Error);
      expect(a).to.deep.include({ status: 200 });
      expect((a as { approval: ApprovalRequest }).approval.status).to.equal('pending');
    }
    expect(Date.now() - signalledAt).to.be.greaterThan(WAIT_MS - 1000);
    expect(await exited, output).to.deep.equal({ code: 0, signal: null });
    expect(output).to.not.match(/again: exiting now/);
  };

  it('answers the requests in flight when SIGTERM reaches the whole group, then exits 0', async () => {
    const polls = await holdPolls(4);
    const signalledAt = Date.now();
    process.kill(-(child.pid as number), 'SIGTERM');
    await expectAnswered(polls, signalledAt);
  });

  // The order above, made certain: a group signal reaches a worker twice only when the worker
  // took the first before the primary's forward came (the kernel merges a SIGTERM that is
  // still pending with the next), which on a busy machine it sometimes has not.
  it('answers them too when each worker has taken its own SIGTERM before the primary forwards it', async () => {
    const polls = await holdPolls(4);
    const signalledAt = Date.now();
    for (const pid of workerPids) process.kill(pid, 'SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    process.kill(child.pid as number, 'SIGTERM');
    await expectAnswered(polls, signalledAt);
  });

  it('a second signal to the primary still ends the primary and its workers at once', async () => {
    const polls = await holdPolls(2);
    process.kill(-(child.pid as number), 'SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    const signalledAt = Date.now();
    process.kill(child.pid as number, 'SIGINT');
    expect(await exited, output).to.deep.equal({ code: 130, signal: null });
    // no worker outlives it: the whole group is gone well before wait_ms would have passed
    await waitUntil(() => {
      try {
        process.kill(-(child.pid as number), 0);
        return false;
      } catch {
        return true;
      }
    }, 3000, 20);
    expect(Date.now() - signalledAt).to.be.lessThan(WAIT_MS - 1000);
    await Promise.all(polls);
  });
});
