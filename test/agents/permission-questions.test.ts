import { rmSync } from 'node:fs';
import { expect } from 'chai';
import { newAgentConfig } from '../../shared/agents/agent-config.js';
import { createLogger } from '../../shared/logger.js';
import type { PermissionGate, PermissionQuestion as GateQuestion } from '../../workers/approvals/permission-gate.js';
import type { PermissionDecision, PermissionRequest } from '../../workers/agents/claude-cli/protocol.js';
import { createPermissionQuestions, questionTimeoutMs, type PermissionQuestion } from '../../workers/agents/permission-questions.js';
import { testConfig } from '../support/harness.js';

/** A gate whose decisions the test makes by hand. */
function handGate(): PermissionGate & { asked: GateQuestion[]; withdrawn: string[]; decide(i: number, d: PermissionDecision): void; fail(i: number, e: Error): void } {
  const asked: GateQuestion[] = [];
  const pending: { resolve(d: PermissionDecision): void; reject(e: Error): void }[] = [];
  const withdrawn: string[] = [];
  return {
    asked,
    withdrawn,
    ask(q) {
      asked.push(q);
      return new Promise((resolve, reject) => pending.push({ resolve, reject }));
    },
    async withdraw(_agentId, requestId) {
      withdrawn.push(requestId);
    },
    decide: (i, d) => pending[i]!.resolve(d),
    fail: (i, e) => pending[i]!.reject(e),
    waiting: 0,
    lastError: undefined,
    lastRunAt: 0,
    close: async () => {},
  };
}

const tick = (ms = 0): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const bash = (command: string): PermissionRequest => ({ subtype: 'can_use_tool', tool_name: 'Bash', input: { command }, tool_use_id: 'tu-1' });
const allow = (input: Record<string, unknown>): PermissionDecision => ({ behavior: 'allow', updatedInput: input });

describe('permission questions: decided once, by the gate or the agent’s rules, with Nox’s timeout', () => {
  const logger = createLogger({ level: 'silent' });
  const agent = newAgentConfig({ id: 'pq', allowed_tools: ['Bash(git:*)'], add_dirs: ['/data'] });

  function questions(options: { gate?: PermissionGate; timeoutMs?: number } = {}) {
    const answers: { question: PermissionQuestion; decision: PermissionDecision }[] = [];
    const q = createPermissionQuestions({ agentId: 'pq', timeoutMs: options.timeoutMs ?? 60_000, gate: options.gate, logger, onAnswer: (question, decision) => answers.push({ question, decision }) });
    return { q, answers };
  }

  it('without a gate, the agent’s own rules answer at once', () => {
    const { q, answers } = questions();
    q.ask({ requestId: 'r1', request: bash('git status') }, agent, '/work');
    q.ask({ requestId: 'r2', request: bash('rm -rf /') }, agent, '/work');
    expect(q.open).to.equal(0);
    expect(answers.map((a) => [a.question.requestId, a.decision.behavior])).to.deep.equal([
      ['r1', 'allow'],
      ['r2', 'deny'],
    ]);
  });

  it('with a gate: asks it with the workdir, the agent’s add_dirs and the turn’s correlation id; answers once', async () => {
    const gate = handGate();
    const { q, answers } = questions({ gate });
    q.ask({ requestId: 'r1', request: bash('make'), correlationId: 'm-7' }, agent, '/work');
    expect(q.open).to.equal(1);
    expect(gate.asked[0]).to.deep.include({ agentId: 'pq', requestId: 'r1', toolName: 'Bash', toolUseId: 'tu-1', workdir: '/work', addDirs: ['/data'], correlationId: 'm-7' });
    gate.decide(0, allow({ command: 'make' }));
    await tick();
    expect(q.open).to.equal(0);
    expect(answers).to.have.length(1);
    expect(answers[0]!.decision).to.deep.equal(allow({ command: 'make' }));
    expect(answers[0]!.question.correlationId).to.equal('m-7');
  });

  it('a gate that fails denies with the reason', async () => {
    const gate = handGate();
    const { q, answers } = questions({ gate });
    q.ask({ requestId: 'r1', request: bash('make') }, agent, undefined);
    gate.fail(0, new Error('redis down'));
    await tick();
    expect(answers[0]!.decision).to.deep.equal({ behavior: 'deny', message: 'Nox: the approval failed: redis down' });
  });

  it('denies a question nobody decides within the timeout; a late decision is ignored', async () => {
    const gate = handGate();
    const { q, answers } = questions({ gate, timeoutMs: 20 });
    q.ask({ requestId: 'r1', request: bash('make') }, agent, undefined);
    await tick(60);
    expect(answers.map((a) => a.decision)).to.deep.equal([{ behavior: 'deny', message: 'Nox: no decision within 20 ms' }]);
    gate.decide(0, allow({ command: 'make' }));
    await tick();
    expect(answers).to.have.length(1);
  });

  it('a question the CLI withdraws is not answered, and the gate is told', async () => {
    const gate = handGate();
    const { q, answers } = questions({ gate, timeoutMs: 20 });
    q.ask({ requestId: 'r1', request: bash('make') }, agent, undefined);
    q.withdraw('r1');
    expect(q.open).to.equal(0);
    expect(gate.withdrawn).to.deep.equal(['r1']);
    gate.decide(0, allow({ command: 'make' }));
    await tick(40); // past the timeout too
    expect(answers).to.have.length(0);
  });

  it('when the process is gone, every open question is withdrawn from the gate and none is answered', async () => {
    const gate = handGate();
    const { q, answers } = questions({ gate, timeoutMs: 20 });
    q.ask({ requestId: 'r1', request: bash('a') }, agent, undefined);
    q.ask({ requestId: 'r2', request: bash('b') }, agent, undefined);
    q.dropAll();
    expect(q.open).to.equal(0);
    expect(gate.withdrawn).to.deep.equal(['r1', 'r2']);
    await tick(40);
    expect(answers).to.have.length(0);
  });

  it('the backstop timeout is the approvals timeout plus the agent’s when a gate decides', () => {
    const config = testConfig({ overrides: { 'agent.permission_timeout_ms': 1000, 'approvals.timeout_ms': 5000 } });
    rmSync(config.registryDir, { recursive: true, force: true });
    expect(questionTimeoutMs(config, false)).to.equal(1000);
    expect(questionTimeoutMs(config, true)).to.equal(6000);
  });
});
