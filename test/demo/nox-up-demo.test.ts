import { expect } from 'chai';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../../bin/local-redis.js';
import { dropPrefix, redisUrl, uniquePrefix, waitUntil } from '../support/harness.js';
import { spawnNox, type NoxProcess } from '../support/processes.js';

/**
 * Issue 18, item 3: `nox up --demo` starts a Nox of its own whose three stand-in agents
 * (bin/demo/demo-agent.ts, the CLI's stream-json protocol, no key, no network) message each
 * other, delegate a task, ask a person once and finish. Each run: its own folder, Redis
 * prefix and port; the agents run in the real sandbox like any agent.
 */
interface Approval {
  id: string;
  status: string;
  agent_id: string;
  risk_level: string;
  decided_by?: string;
  reason?: string;
  policy_rule?: string;
  details: { tool?: string; input?: { command?: string } };
}
interface Task {
  id: string;
  agent_id: string;
  title: string;
  status: string;
  delegated_from?: string;
}
interface Message {
  from: string;
  to: string;
  message_type: string;
  content: string;
}

describe('nox up --demo: a fleet anyone can run', function () {
  this.timeout(150_000);
  let dir: string;
  let prefix: string;
  let up: NoxProcess | undefined;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'nox-demo-'));
    prefix = uniquePrefix();
  });
  afterEach(async () => {
    // Ctrl-C, as a person stops it: `nox up` stops its API, worker and agents before it exits
    if (up && up.child.exitCode === null && up.child.signalCode === null) {
      up.child.kill('SIGINT');
      await Promise.race([up.exited(), new Promise((r) => setTimeout(r, 30_000))]);
    }
    up?.kill();
    up = undefined;
    await dropPrefix(prefix);
    rmSync(dir, { recursive: true, force: true });
  });

  async function startDemo(env: Record<string, string>): Promise<{ url: string; token: string; demoDir: string }> {
    const demoDir = path.join(dir, 'demo');
    up = spawnNox(['up', '--demo'], {
      NOX_DEMO_DIR: demoDir,
      NOX_DEMO_REDIS_PREFIX: prefix,
      NOX_PORT: String(await freePort()),
      REDIS_URL: redisUrl(),
      NOX_HOST_ID: 'demo-host',
      NOX_DEMO_PACE_MS: '100',
      LOG_LEVEL: 'warn',
      ...env,
    });
    const [, url] = await up.waitFor(/nox is up at (http:\/\/\S+)/, 60_000);
    const [, password] = await up.waitFor(/password: (\S+)/);
    const login = await fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }) });
    expect(login.status).to.equal(200);
    return { url: url!, token: ((await login.json()) as { token: string }).token, demoDir };
  }

  const get = async <T>(url: string, token: string, urlPath: string): Promise<T> => {
    const res = await fetch(`${url}${urlPath}`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status, urlPath).to.equal(200);
    return (await res.json()) as T;
  };

  it('plays the story: messages, a delegated task, one question that waits for a person, then done', async () => {
    // 0: the demo never decides its own question; this test is the person
    const { url, token, demoDir } = await startDemo({ NOX_DEMO_APPROVE_AFTER_MS: '0' });
    await up!.waitFor(/demo: 3 agents running \(demo-lead, demo-researcher, demo-writer\)/, 60_000);
    const [, approvalId] = await up!.waitFor(/demo: demo-writer asks to run `curl [^`]+` \(high risk\)\. It waits for you: .* `nox approve (ap-[0-9a-f]+)`\./, 60_000);

    // a person watching sees it pending, with what it would run
    const pending = await get<Approval>(url, token, `/api/approvals/${approvalId}`);
    expect(pending).to.include({ status: 'pending', agent_id: 'demo-writer', risk_level: 'high' });
    expect(pending.details.tool).to.equal('Bash');
    expect(pending.details.input?.command).to.match(/^curl .*chat\.example\.com/);
    const writer = await get<{ runtime: { status: string } }>(url, token, '/api/agents/demo-writer');
    expect(writer.runtime.status).to.equal('waiting-approval');
    expect(up!.output()).not.to.match(/demo: done/);
    // and it is on the "needs you" list the terminal line points at
    const attention = await get<{ items: { id: string; link: string }[] }>(url, token, '/api/attention');
    expect(attention.items.map((i) => i.id)).to.include(`approval:${approvalId}`);

    const approve = await fetch(`${url}/api/approvals/${approvalId}/approve`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'ship it' }) });
    expect(approve.status).to.equal(200);
    await up!.waitFor(/demo: done in \d+ s: (t-\S+) is done/, 60_000);

    // the lead's task is done; the draft task it made went to the writer by delegation, and is done
    const { tasks: leadTasks } = await get<{ tasks: Task[] }>(url, token, '/api/tasks?agent=demo-lead');
    expect(leadTasks.map((t) => [t.title, t.status])).to.deep.equal([['Ship the v1.2 release notes', 'done']]);
    const { tasks: writerTasks } = await get<{ tasks: Task[] }>(url, token, '/api/tasks?agent=demo-writer');
    expect(writerTasks).to.have.length(1);
    expect(writerTasks[0]).to.include({ title: 'Draft and publish the v1.2 release notes', status: 'done', delegated_from: 'demo-lead' });

    // the agents talked to each other through Nox: a request, its answer, a forward, a report, a broadcast
    // (routed by the messages queue: the log may trail the task by a moment)
    let messages: Message[] = [];
    const said = (): string[] => messages.map((m) => `${m.from} -> ${m.to} (${m.message_type})`);
    await waitUntil(async () => {
      ({ messages } = await get<{ messages: Message[] }>(url, token, '/api/messages?limit=100'));
      return said().includes('agent:demo-lead -> all (text)');
    }, 15_000);
    expect(said()).to.include.members([
      'agent:demo-lead -> demo-researcher (request)',
      'agent:demo-researcher -> demo-lead (response)',
      'agent:demo-lead -> demo-writer (notification)',
      'agent:demo-writer -> demo-lead (response)',
      'agent:demo-lead -> all (text)',
    ]);
    expect(messages.find((m) => m.from === 'agent:demo-writer')?.content).to.match(/^Release notes published/);

    const decided = await get<Approval>(url, token, `/api/approvals/${approvalId}`);
    expect(decided).to.include({ status: 'approved', decided_by: 'user:admin', reason: 'ship it' });
    // the Write it did really happened, in its own folder; the curl was only asked about
    expect(readFileSync(path.join(demoDir, '.nox-work', 'demo-writer', 'RELEASE-NOTES.md'), 'utf8')).to.match(/^# v1\.2 release notes\n\n- Agents that hit a usage limit/);

    up!.child.kill('SIGINT');
    expect((await up!.exited()).code).to.equal(0);
  });

  it('with nobody deciding, the demo approves its question itself and says so; every start begins from an empty folder', async () => {
    // what an earlier demo left: gone at the next start
    const demoDir = path.join(dir, 'demo');
    mkdirSync(path.join(demoDir, '.nox-work', 'demo-writer'), { recursive: true });
    writeFileSync(path.join(demoDir, '.nox-demo'), 'marker\n');
    writeFileSync(path.join(demoDir, '.nox-work', 'demo-writer', 'stale.txt'), 'from an earlier demo\n');

    const { url, token } = await startDemo({ NOX_DEMO_APPROVE_AFTER_MS: '1000' });
    expect(existsSync(path.join(demoDir, '.nox-work', 'demo-writer', 'stale.txt'))).to.equal(false);
    const [, approvalId] = await up!.waitFor(/`nox approve (ap-[0-9a-f]+)`; with no decision the demo approves it in 1 s\./, 60_000);
    await up!.waitFor(new RegExp(`demo: nobody decided, so the demo approved ${approvalId} itself`), 30_000);
    await up!.waitFor(/demo: done in \d+ s/, 60_000);
    const decided = await get<Approval>(url, token, `/api/approvals/${approvalId}`);
    expect(decided.status).to.equal('approved');
    expect(decided.decided_by).to.equal('user:demo');
    expect(decided.reason).to.match(/^approved by the demo: no decision within 1 s/);
    up!.child.kill('SIGINT');
    expect((await up!.exited()).code).to.equal(0);
  });

  it('refuses a folder that is not a demo folder instead of emptying it', async () => {
    writeFileSync(path.join(dir, 'precious.txt'), 'keep me\n');
    up = spawnNox(['up', '--demo'], { NOX_DEMO_DIR: dir, NOX_DEMO_REDIS_PREFIX: prefix, REDIS_URL: redisUrl() });
    const { code } = await up.exited();
    expect(code).to.equal(1);
    expect(up.output()).to.match(/nox up --demo: .* is not a demo folder \(it has no \.nox-demo marker\) and is not empty/);
    expect(readFileSync(path.join(dir, 'precious.txt'), 'utf8')).to.equal('keep me\n');
  });
});
