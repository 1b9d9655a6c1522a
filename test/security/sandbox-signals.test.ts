import { expect } from 'chai';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { newAgentConfig } from '../../shared/agents/agent-config.js';
import type { NoxConfig } from '../../shared/config/schema.js';
import { createLogger } from '../../shared/logger.js';
import { agentConfigDir, agentRunDir, agentWorkdir, type AgentLaunch } from '../../workers/agents/claude-cli/command-line.js';
import { descendants } from '../../workers/agents/proc-info.js';
import { startAgentProcess, type AgentProcess } from '../../workers/agents/process-runner.js';
import { wrapInBubblewrap } from '../../workers/agents/sandbox/bubblewrap.js';
import { requireSandbox } from '../../workers/agents/sandbox/readiness.js';
import { sandboxPolicy } from '../../workers/agents/sandbox/sandbox-policy.js';
import { testConfig, waitUntil } from '../support/harness.js';

/**
 * The host's signals still reach a program inside the sandbox (issue 14): bwrap leads the
 * process group, so a graceful stop must reach the program (its TERM handler runs, its exit
 * code comes back), SIGSTOP/SIGCONT throttling must stop and resume it, and a program that
 * ignores TERM is killed after the grace.
 */
describe('sandbox: stop, throttle and kill reach the program inside', function () {
  this.timeout(30_000);
  let config: NoxConfig;
  const logger = createLogger({ level: 'silent' });
  const running: AgentProcess[] = [];

  before(() => {
    config = testConfig();
  });
  after(async () => {
    for (const p of running) await p.stop(100);
    rmSync(config.registryDir, { recursive: true, force: true });
  });

  /** a process's command line; '' once it has gone (each `sleep 0.05` lives a moment) */
  const cmdline = (pid: number): string => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      return '';
    }
  };

  /** a shell program in a real agent sandbox (the policy of agent `id`), started as the host starts agents */
  const startSandboxed = async (id: string, script: string, sleepLine: string): Promise<{ proc: AgentProcess; workdir: string }> => {
    const folders = { workdir: agentWorkdir(config, { id }), configDir: agentConfigDir(config, id), runDir: agentRunDir(config, id) };
    for (const dir of Object.values(folders)) mkdirSync(dir, { recursive: true });
    const tools = await requireSandbox(config);
    const policy = sandboxPolicy({ config, agent: newAgentConfig({ id }), folders, program: '/usr/bin/sh', socat: tools.socat, hostEnv: {}, apiUrl: 'http://127.0.0.1:3000' });
    const spec: AgentLaunch = { command: '/bin/sh', args: ['-c', script], env: { PATH: '/usr/bin:/bin' }, cwd: folders.workdir, configDir: folders.configDir };
    const proc = startAgentProcess(wrapInBubblewrap(spec, policy, '/usr/bin/sh', tools), { onLine: () => undefined, onStderr: () => undefined }, logger);
    running.push(proc);
    // the program runs (its trap set) once ITS sleep runs below it: `sleepLine` is that sleep's
    // command line — the starter polls its endpoints with `sleep 0.01` before it execs the
    // program, and a signal sent then would find no trap
    await waitUntil(() => (descendants(proc.pid) ?? []).some((p) => cmdline(p) === `${sleepLine.split(' ').join('\0')}\0`), 5000);
    return { proc, workdir: folders.workdir };
  };

  it('a graceful stop runs the program’s TERM handler, and its exit code comes back through bwrap', async () => {
    // `wait` is interrupted by the trapped signal at once; a loop of short sleeps would fork
    // twenty times a second, and a TERM landing in a child between fork and exec runs the
    // trap there (exit 7 of a child the loop ignores) while the shell dies of its own TERM
    const { proc, workdir } = await startSandboxed('sig-term', 'trap "echo graceful > term.txt; exit 7" TERM; while :; do sleep 5 & wait $!; done', 'sleep 5');
    const exit = await proc.stop(5000);
    expect(exit.code).to.equal(7);
    expect(readFileSync(path.join(workdir, 'term.txt'), 'utf8').trim()).to.equal('graceful');
  });

  it('SIGSTOP to the group stops the program; SIGCONT resumes it', async () => {
    const { proc, workdir } = await startSandboxed('sig-stop', 'n=0; while :; do n=$((n+1)); echo $n > count.txt; sleep 0.05; done', 'sleep 0.05');
    const count = (): number => Number(readFileSync(path.join(workdir, 'count.txt'), 'utf8') || 0);
    await waitUntil(() => existsSync(path.join(workdir, 'count.txt')) && count() > 2);
    proc.signalGroup('SIGSTOP');
    await new Promise((r) => setTimeout(r, 200));
    const stopped = count();
    await new Promise((r) => setTimeout(r, 400));
    expect(count(), 'no progress while stopped').to.equal(stopped);
    proc.signalGroup('SIGCONT');
    await waitUntil(() => count() > stopped + 2);
  });

  it('a program that ignores TERM is killed after the grace, with everything in its sandbox', async () => {
    const { proc } = await startSandboxed('sig-kill', 'trap "" TERM; sleep 300 & while :; do sleep 0.05; done', 'sleep 300');
    const inside = descendants(proc.pid) ?? [];
    const t0 = Date.now();
    await proc.stop(500);
    expect(Date.now() - t0).to.be.at.least(450);
    await waitUntil(() => inside.every((p) => !existsSync(`/proc/${p}`) || readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]?.startsWith('Z')));
  });
});
