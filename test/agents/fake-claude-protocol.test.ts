import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLineSplitter, parseAgentLine } from '../../workers/agents/claude-cli/line-parser.js';
import { interruptLine, permissionResponseLine, userTurnLine, type AgentEvent } from '../../workers/agents/claude-cli/protocol.js';
import { waitUntil } from '../support/harness.js';
import { FAKE_CLAUDE } from './agent-stack.js';

/** The stand-in speaks the protocol (docs/AGENTS.md); these pin the parts Nox relies on. */
describe('stand-in claude (test fixture) protocol', () => {
  let dir: string;
  const children: ChildProcess[] = [];
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'fake-claude-'));
  });
  afterEach(() => {
    for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  const run = (extra: string[]) => {
    const child = spawn(process.execPath, [FAKE_CLAUDE, '-p', '--input-format', 'stream-json', '--output-format', 'stream-json', '--verbose', '--permission-prompt-tool', 'stdio', ...extra], {
      cwd: dir,
      env: { ...process.env, CLAUDE_CONFIG_DIR: path.join(dir, 'cfg') },
    });
    children.push(child);
    const events: AgentEvent[] = [];
    const split = createLineSplitter((l) => {
      const p = parseAgentLine(l);
      if (p.ok) events.push(...p.events);
    });
    child.stdout!.setEncoding('utf8').on('data', (c: string) => split.push(c));
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    return { child, events, exit, stderr: () => stderr, results: () => events.filter((e) => e.kind === 'result') };
  };

  it('init on every turn, one assistant line per block, cumulative cost, exit 0 on stdin close', async () => {
    const sid = randomUUID();
    const p = run(['--session-id', sid]);
    p.child.stdin!.write(userTurnLine('a'));
    p.child.stdin!.write(userTurnLine('b'));
    await waitUntil(() => p.results().length === 2);
    p.child.stdin!.end();
    expect(await p.exit).to.equal(0);
    expect(p.events.filter((e) => e.kind === 'init')).to.have.length(2);
    expect(p.events.every((e) => e.kind !== 'init' || e.sessionId === sid)).to.equal(true);
    const costs = p.results().map((e) => (e as { totalCostUsd: number }).totalCostUsd);
    expect(costs).to.deep.equal([0.01, 0.02]);
  });

  it('refuses a used --session-id and resumes it with --resume', async () => {
    const sid = randomUUID();
    const p = run(['--session-id', sid]);
    p.child.stdin!.write(userTurnLine('one'));
    await waitUntil(() => p.results().length === 1);
    p.child.stdin!.end();
    await p.exit;
    const reused = run(['--session-id', sid]);
    expect(await reused.exit).to.equal(1);
    expect(reused.stderr()).to.match(/already in use/);
    const resumed = run(['--resume', sid]);
    resumed.child.stdin!.write(userTurnLine('history'));
    await waitUntil(() => resumed.results().length === 1);
    expect((resumed.results()[0] as { result: string }).result).to.equal('history 2');
    expect(await run(['--resume', randomUUID()]).exit).to.equal(1);
  });

  it('waits for the control_response to can_use_tool, and an interrupt ends the turn as aborted', async () => {
    const p = run([]);
    p.child.stdin!.write(userTurnLine('ask Bash {"command":"ls"}'));
    await waitUntil(() => p.events.some((e) => e.kind === 'permission-request'));
    await new Promise((r) => setTimeout(r, 100));
    expect(p.results()).to.have.length(0);
    const q = p.events.find((e) => e.kind === 'permission-request') as Extract<AgentEvent, { kind: 'permission-request' }>;
    p.child.stdin!.write(permissionResponseLine(q.requestId, { behavior: 'allow', updatedInput: { command: 'ls -la' } }));
    await waitUntil(() => p.results().length === 1);
    const toolResult = p.events.find((e) => e.kind === 'tool-result') as { content: string; isError: boolean };
    expect(toolResult.isError).to.equal(false);
    expect(toolResult.content).to.contain('ls -la');

    p.child.stdin!.write(userTurnLine('hang'));
    await waitUntil(() => p.events.filter((e) => e.kind === 'init').length === 2);
    p.child.stdin!.write(interruptLine('int-1'));
    await waitUntil(() => p.results().length === 2);
    expect(p.results()[1]).to.include({ subtype: 'error_during_execution', terminalReason: 'aborted_streaming', isError: true });
    expect(p.events.some((e) => e.kind === 'control-response' && e.requestId === 'int-1')).to.equal(true);
  });
});
