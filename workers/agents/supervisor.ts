import { randomUUID } from 'node:crypto';
import type { AgentConfig } from '../../shared/agents/agent-config.js';
import { AgentNotRunningError, AgentOverBudgetError, BudgetReachedError, isSandboxError, TurnQueueFullError } from '../../shared/errors/agent-errors.js';
import type { AgentStatus } from '../../shared/agents/agent-status.js';
import { readRuntime } from '../../shared/agents/runtime-state.js';
import { agentTokenEpoch } from '../../shared/auth/revocation.js';
import { errorFields, type Logger } from '../../shared/logger.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import type { PermissionGate } from '../approvals/permission-gate.js';
import { prepareAgentLaunch } from './agent-launch.js';
import { agentLineReader, createAgentOutput } from './agent-output.js';
import { acceptsStart, isBetweenTurns, isSettled } from './agent-status-machine.js';
import { controlErrorLine, interruptLine, permissionResponseLine, userTurnLine, type AgentEvent } from './claude-cli/protocol.js';
import type { ConversationBuffer } from './conversation-buffer.js';
import { createCostLedger, recordUsage } from './cost-ledger.js';
import { countTurn, turnUsage } from './turn-metrics.js';
import { turnEnded, turnLost, turnStarted } from './turn-tracing.js';
import { traceCarrier } from '../../shared/tracing/tracing.js';
import { addTurnUsage } from '../../shared/costs/daily-usage.js';
import { addTaskTurnUsage } from '../../shared/costs/task-usage.js';
import { crashPolicyOf, judgeCrash } from './crash-policy.js';
import { isAgentCommandError, loginFailureReason, spawnFailureReason } from './launch-failure.js';
import { createPermissionQuestions, questionTimeoutMs } from './permission-questions.js';
import { startAgentProcess, type AgentProcess, type ExitInfo } from './process-runner.js';
import { createRuntimeWriter } from './runtime-writer.js';
import { createStatusDriver } from './status-driver.js';
import { createTurnQueue } from './turn-queue.js';
import { createWaitingTurnStore } from './waiting-turns.js';
import { createSessionMirror } from './session-mirror.js';
import { agentConfigDir } from './claude-cli/command-line.js';
import { AGENT_EVENT } from '../../shared/agents/agent-events.js';
import { createTurnHolds } from './turn-holds.js';

/**
 * Runs and watches ONE agent on this host, by wiring small parts together:
 *
 * - agent-status-machine.ts (pure) says which status follows which; status-driver.ts
 *   writes and announces each change (runtime-writer.ts: in order, on the auto-pipelined
 *   connection, so a turn's writes and events go out together);
 * - turn-queue.ts: a turn is written on stdin only when the previous one's `result` came
 *   back; a turn carries the correlation id of the request or message it came from, and
 *   the events it causes (agent.status, agent.output, agent.permission, ...) carry it too;
 * - agent-output.ts: every stdout line is parsed and goes to the conversation and out as
 *   `agent.output`; a line that does not parse is logged, never thrown;
 * - permission-questions.ts: tool-permission questions, answered once, with Nox's timeout;
 * - cost-ledger.ts: cost per process vs the agent's total, tokens, the budget;
 * - crash-policy.ts (pure): an unasked exit is a crash: restart with backoff and
 *   `--resume`, until the circuit breaker opens (status failed);
 * - turn-holds.ts: a usage or rate limit parks the agent until its reset time (turns wait;
 *   not a crash); a turn silent for `agent.stall_after_ms` makes it `stalled`;
 * - agent-launch.ts: token, MCP servers, resume, command line → the launch spec that
 *   process-runner.ts runs.
 */
export interface SupervisorDeps {
  ctx: NoxContext;
  hostId: string;
  logger: Logger;
  conversation: ConversationBuffer;
  /** reads the agent's current config (it may have been edited since the last start) */
  loadConfig(): Promise<AgentConfig>;
  /** the process started or ended (pid bookkeeping for adoption, capacity) */
  onProcess(agentId: string, proc: AgentProcess | undefined): void;
  /** the supervisor is done for good (stopped or failed) */
  onSettled(agentId: string): void;
  /**
   * The agent is between turns with nothing queued: a turn source (the message inbox,
   * workers/messages/deliverer.ts) may hand it the next turn. Must not throw.
   */
  onIdle?(agentId: string): void;
  /** a usage limit refused a turn of inbox messages before the model saw them: they go back to the inbox (must not throw) */
  onTurnRefused?(agentId: string, messageIds: readonly string[]): void;
  /**
   * The approvals workflow (issue 6, workers/approvals/permission-gate.ts). When given, every
   * tool-permission question is decided by policy or a person (the CLI itself refuses the
   * agent's disallowed_tools before asking); when absent, the agent's own rules decide at
   * once (permission-policy.ts).
   */
  permissions?: PermissionGate;
}

export interface Supervisor {
  readonly agentId: string;
  readonly status: AgentStatus;
  readonly pid: number | undefined;
  readonly config: AgentConfig | undefined;
  readonly queuedTurns: number;
  start(): Promise<void>;
  /**
   * Queues a turn (written once the agent is between turns). `correlationId` — the request's
   * or the message's — is carried by the turn's conversation entry and the events it causes.
   * Throws when the agent is not running, over budget, or its queue is full.
   */
  /**
   * `trace`: the trace the turn joins (default: the active one, e.g. the job that asked);
   * `messageIds`: the inbox messages the turn carries (a turn a limit refuses goes back there);
   * `taskId`: the task the turn works for (its cost counts for the task; the caller checked its budget)
   */
  deliverTurn(text: string, correlationId?: string, trace?: Record<string, string>, messageIds?: readonly string[], taskId?: string): void;
  /** a shared budget is spent (a reason and the event's detail), or has room again (undefined): budget-gate.ts */
  budgetHold(verdict: { reason: string; detail: Record<string, unknown> } | undefined): void;
  /** on hold for a shared budget (not its own `max_budget_usd`) */
  readonly budgetHeld: boolean;
  interrupt(): boolean;
  /** a person's "resume now" of a parked agent: the held turn runs once now; false when not parked between turns */
  unpark(by: string, correlationId?: string): boolean;
  stop(reason?: string): Promise<void>;
  /**
   * For a move to another host (a drain): when the agent is between turns with nothing
   * queued, stops its process — decided synchronously, so no turn can slip in — and leaves
   * it `restarting` with its session mirrored, settled here. False (nothing done) mid-turn.
   */
  handOver(reason: string): Promise<boolean>;
  restart(reason?: string): Promise<void>;
  /** throttling flag, set by the health monitor */
  setThrottled(on: boolean): void;
  /** waits until all state writes so far have landed */
  settled(): Promise<void>;
}

export function createSupervisor(agentId: string, deps: SupervisorDeps): Supervisor {
  const { ctx, hostId } = deps;
  const cfg = ctx.config.agent;
  const logger = deps.logger.child({ agentId });
  const writer = createRuntimeWriter(ctx, agentId, hostId, logger);
  const { persist, publish } = writer;
  const ledger = createCostLedger();
  // waiting direct turns are kept in Redis too: a host that dies with turns queued does not lose them
  const kept = createWaitingTurnStore(ctx, agentId, logger);
  const turns = createTurnQueue(cfg.max_queued_turns, (waiting) => kept.save(waiting));
  const output = createAgentOutput({ agentId, conversation: deps.conversation, publish });
  const machine = createStatusDriver({
    hostId,
    logger,
    writer,
    ledger,
    queuedTurns: () => turns.length,
    scheduleRestart: (ms) => scheduleRestart(ms),
    onSettled: () => {
      holds.dispose();
      deps.onSettled(agentId);
    },
  });
  const dispatch = machine.dispatch;
  const holds = createTurnHolds({
    agentId,
    cfg,
    writer,
    logger,
    dispatch,
    status: () => machine.state.status,
    turns,
    overBudget: () => ledger.overBudget || hold !== undefined,
    onReset: () => pump(),
    onTurnRefused: deps.onTurnRefused,
    interrupt: () => void supervisor.interrupt(),
    restart: (reason) => supervisor.restart(reason),
  });
  const questions = createPermissionQuestions({
    agentId,
    timeoutMs: questionTimeoutMs(ctx.config, deps.permissions !== undefined),
    gate: deps.permissions,
    logger,
    onAnswer: (q, decision) => {
      proc?.write(permissionResponseLine(q.requestId, decision));
      publish(AGENT_EVENT.permission, { requestId: q.requestId, tool: q.request.tool_name, behavior: decision.behavior, message: decision.behavior === 'deny' ? decision.message : null }, q.correlationId);
      if (questions.open === 0) questionsSettled(q.correlationId);
    },
  });
  const crashPolicy = crashPolicyOf(cfg);
  // the transcript goes to Redis as turns end, so another host can continue the session
  const session = createSessionMirror(ctx, agentId, agentConfigDir(ctx.config, agentId), hostId, logger);

  let config: AgentConfig | undefined;
  let proc: AgentProcess | undefined;
  let sessionId = '';
  /** the launched process's working folder (permission risk is judged against it) */
  let workdir: string | undefined;
  let crashTimes: number[] = [];
  let restartTimer: NodeJS.Timeout | undefined;
  let restarts = 0;
  /** a shared budget (subtree, fleet's day) that is spent: no new turns while set */
  let hold: string | undefined;
  /** a failure no restart mends (launch-failure.ts): the next exit fails the agent with it */
  let fatalReason: string | undefined;

  const pump = (): void => {
    const p = proc;
    if (!p || turns.current || machine.state.status === 'stopping') return;
    if (ledger.overBudget || hold || holds.holding) return;
    if (turns.length === 0) {
      deps.onIdle?.(agentId);
      return;
    }
    const turn = turns.sendNext((t) => p.write(userTurnLine(t.text)));
    if (!turn) return;
    turnStarted(agentId, turn);
    output.turn(turn);
    holds.turnSent();
    dispatch({ type: 'turn-sent', correlationId: turn.correlationId });
  };

  let afterTurn: (() => Promise<void>) | undefined; // the launch's turn-end work (a project agent's push)
  const questionsSettled = (correlationId: string | undefined): void => {
    dispatch({ type: 'questions-settled', correlationId });
    holds.answered();
  };

  const onResult = (event: Extract<AgentEvent, { kind: 'result' }>): void => {
    fatalReason ??= loginFailureReason(event, hostId);
    if (fatalReason) void proc?.stop(cfg.stop_grace_ms); // no turn can succeed; the exit fails the agent
    const turn = turns.end();
    const spentBefore = ledger.spentUsd;
    ledger.processReported(event.totalCostUsd);
    const turnCost = ledger.spentUsd - spentBefore;
    countTurn(ctx.metrics, agentId, event.usage, turnCost);
    turnEnded(turn, event.usage, turnCost, event.isError);
    const usage = turnUsage(event.usage, turnCost);
    writer.track(addTurnUsage(ctx.redis, ctx.keys, agentId, usage, ctx.config.costs.retention_days), 'daily usage write');
    if (turn?.taskId) writer.track(addTaskTurnUsage(ctx.redis, ctx.keys, turn.taskId, agentId, usage), 'task usage write');
    writer.track(recordUsage(ctx.redis, ctx.keys, agentId, event.usage), 'token count write');
    persist(ledger.fields());
    writer.track(session.mirror(sessionId), 'session mirror');
    if (afterTurn) writer.track(afterTurn(), 'worktree push');
    if (!fatalReason && holds.ended(event, turn)) return; // parked: the turn runs again after the reset
    dispatch({ type: 'turn-ended', overBudget: ledger.overBudget, correlationId: turn?.correlationId });
    pump();
  };

  const onPermission = (event: Extract<AgentEvent, { kind: 'permission-request' }>): void => {
    if (!config || !proc) return;
    const correlationId = turns.current?.correlationId;
    holds.asking();
    dispatch({ type: 'permission-asked', tool: event.request.tool_name, correlationId });
    questions.ask({ requestId: event.requestId, request: event.request, ...(correlationId ? { correlationId } : {}) }, config, workdir);
  };

  const onEvent = (event: AgentEvent): void => {
    const correlationId = turns.current?.correlationId;
    output.event(event, correlationId);
    holds.event(event, correlationId);
    switch (event.kind) {
      case 'init':
        if (event.sessionId && event.sessionId !== sessionId) {
          sessionId = event.sessionId;
          persist({ sessionId });
        }
        break;
      case 'result':
        onResult(event);
        break;
      case 'permission-request':
        onPermission(event);
        break;
      case 'control-cancel':
        questions.withdraw(event.requestId);
        if (questions.open === 0) questionsSettled(correlationId);
        break;
      case 'model-fallback':
        publish(AGENT_EVENT.modelFallback, { from: event.from ?? null, to: event.to ?? null, trigger: event.trigger ?? null }, correlationId);
        break;
      case 'control-request':
        proc?.write(controlErrorLine(event.requestId, `Nox does not handle ${event.subtype}`));
        break;
      default:
        break;
    }
  };

  const readLine = agentLineReader(logger, onEvent);
  const onLine = (line: string): void => {
    holds.line();
    readLine(line);
  };

  const spawnProcess = async (): Promise<void> => {
    config = await deps.loadConfig();
    ledger.setBudget(config.max_budget_usd);
    const tokenEpoch = await agentTokenEpoch(ctx.redis, ctx.keys, agentId); // a stop before this start revoked the older tokens
    const { spec, resume, release, turnEnded: launchTurnEnded } = await prepareAgentLaunch(ctx, config, { hostId, sessionId, remainingBudgetUsd: ledger.remainingUsd, tokenEpoch, logger });
    workdir = spec.cwd;
    afterTurn = launchTurnEnded;
    turns.end(); // a new process has no turn in flight
    session.relocate();
    ledger.processStarted();
    const started = startAgentProcess(spec, { onLine, onStderr: (l) => l.trim() && logger.info('agent stderr', { line: l.slice(0, 2000) }) }, logger);
    proc = started;
    deps.onProcess(agentId, started);
    logger.info('agent process started', { pid: started.pid, resume, sessionId });
    const parked = holds.launchParked();
    dispatch({ type: 'launched', resumed: resume, overBudget: ledger.overBudget, ...(parked ? { parked } : {}) }, { pid: started.pid, sessionId, sessionStarted: true, startedAt: new Date().toISOString(), restarts, throttled: false, circuitOpen: false });
    void started.exited.then((exit) => {
      // the sandbox's and the MCP services' endpoints serve this process only; a restart opens its own
      release().catch((err) => logger.warn('could not close the agent sandbox', errorFields(err)));
      onExit(started, exit);
    });
    pump();
  };

  const onExit = (which: AgentProcess | undefined, exit: ExitInfo): void => {
    if (which !== proc) return;
    proc = undefined;
    deps.onProcess(agentId, undefined);
    holds.processEnded();
    writer.track(session.mirror(sessionId), 'session mirror');
    questions.dropAll();
    ledger.processEnded();
    persist({ ...ledger.fields(), pid: undefined });
    const lost = turns.end();
    turnLost(lost, 'the agent process exited during the turn');
    // the turn in flight is not sent again: it may have had side effects
    if (lost) logger.warn('agent exited during a turn; that turn is not re-sent', { correlationId: lost.correlationId });
    if (machine.state.wanted === 'stopped') return; // stop() finishes the transition
    const fatal = fatalReason ?? spawnFailureReason(exit, cfg.command, hostId);
    fatalReason = undefined;
    if (fatal) {
      logger.error('agent cannot run', { reason: fatal });
      return dispatch({ type: 'launch-failed', message: fatal });
    }
    const verdict = judgeCrash(crashPolicy, crashTimes, Date.now());
    crashTimes = verdict.times;
    logger.warn('agent crashed', { ...exit, crashesInWindow: verdict.crashes });
    dispatch({ type: 'crashed', why: `exited with ${exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`}`, verdict });
  };

  const scheduleRestart = (delayMs: number): void => {
    restartTimer = setTimeout(() => {
      restartTimer = undefined;
      if (machine.state.wanted !== 'running') return;
      restarts++;
      dispatch({ type: 'starting' });
      spawnProcess().catch((err) => {
        logger.error('restart failed', errorFields(err));
        // no sandbox, or a config it refuses: no restart would change that (issue 14, item 6)
        if (isSandboxError(err) || isAgentCommandError(err)) return dispatch({ type: 'launch-failed', message: (err as Error).message });
        // counted as one more crash (the process that failed to start is `proc`, or none)
        onExit(proc, { code: null, signal: null });
      });
    }, delayMs);
    restartTimer.unref();
  };

  const stopProcess = async (): Promise<void> => {
    if (restartTimer) clearTimeout(restartTimer);
    restartTimer = undefined;
    const p = proc;
    if (p) await p.stop(cfg.stop_grace_ms);
  };

  const supervisor: Supervisor = {
    agentId,
    get status() {
      return machine.state.status;
    },
    get pid() {
      return proc?.pid;
    },
    get config() {
      return config;
    },
    get queuedTurns() {
      return turns.length;
    },
    async start() {
      if (!acceptsStart(machine.state)) return;
      dispatch({ type: 'start' });
      // direct turns an earlier run (on a host that died, or before a stop) left waiting, once:
      // a supervisor that has waiting turns of its own already kept them (they are the same).
      // Read before this start's first await: a turn delivered while it waits saves a list
      // without them, and the read must come before that save.
      const fresh = turns.length === 0 && !turns.current;
      const keptTurns = fresh ? kept.load() : Promise.resolve([]);
      keptTurns.catch(() => undefined); // awaited below; a start that fails before then does not leave it unhandled
      const previous = await readRuntime(ctx.redis, ctx.keys, agentId);
      sessionId = previous?.sessionId || randomUUID();
      holds.restore(previous); // a limit a previous run hit still holds until its reset
      if (fresh) turns.restore(await keptTurns);
      ledger.begin(previous?.costUsd ?? 0);
      restarts = previous?.restarts ?? 0;
      dispatch({ type: 'starting' }, { sessionId, ...ledger.fields() });
      try {
        await spawnProcess();
      } catch (err) {
        dispatch({ type: 'launch-failed', message: (err as Error).message });
        throw err;
      }
    },
    deliverTurn(text, correlationId, trace = traceCarrier(), messageIds, taskId) {
      if (machine.state.wanted !== 'running') throw new AgentNotRunningError(agentId, machine.state.status);
      if (ledger.overBudget) throw new AgentOverBudgetError(agentId, ledger.spentUsd, ledger.budgetUsd as number);
      if (hold) throw new BudgetReachedError(agentId, hold);
      if (turns.full) throw new TurnQueueFullError(agentId, cfg.max_queued_turns);
      turns.add({ text, ...(correlationId ? { correlationId } : {}), ...(trace ? { trace } : {}), ...(messageIds?.length ? { messageIds } : {}), ...(taskId ? { taskId } : {}) });
      persist({ queuedTurns: turns.length });
      pump();
    },
    get budgetHeld() {
      return hold !== undefined;
    },
    budgetHold(verdict) {
      if (verdict) {
        const changed = hold !== verdict.reason;
        hold = verdict.reason;
        if (changed) dispatch({ type: 'budget-hold', reason: verdict.reason, detail: verdict.detail });
      } else if (hold) {
        hold = undefined;
        if (!ledger.overBudget) dispatch({ type: 'budget-released' });
        pump();
      }
    },
    unpark(by, correlationId) {
      return holds.resumeNow(by, correlationId);
    },
    interrupt() {
      const turn = turns.current;
      if (!proc || !turn) return false;
      proc.write(interruptLine(randomUUID()));
      publish(AGENT_EVENT.interrupt, {}, turn.correlationId);
      return true;
    },
    async stop(reason) {
      const already = isSettled(machine.state.status);
      dispatch({ type: 'stop', reason });
      if (already) return;
      await stopProcess();
      dispatch({ type: 'stopped', reason }, { pid: undefined, throttled: false });
      await writer.settled();
    },
    async handOver(reason) {
      if (!isBetweenTurns(machine.state.status) || machine.state.wanted !== 'running' || turns.length > 0 || turns.current || !proc) return false;
      dispatch({ type: 'hand-over', reason });
      await stopProcess();
      // the exit mirrored the transcript (onExit); settled() waits for that write too
      dispatch({ type: 'handed-over', reason }, { pid: undefined, throttled: false });
      await writer.settled();
      return true;
    },
    async restart(reason) {
      dispatch({ type: 'restart', reason });
      await stopProcess();
      restarts++;
      dispatch({ type: 'starting', reason: reason ?? 'restart' }, { restarts });
      try {
        await spawnProcess();
      } catch (err) {
        if (isSandboxError(err) || isAgentCommandError(err)) dispatch({ type: 'launch-failed', message: (err as Error).message });
        throw err;
      }
    },
    setThrottled(on) {
      persist({ throttled: on });
      publish(AGENT_EVENT.throttled, { throttled: on });
    },
    settled: async () => {
      await writer.settled();
      await kept.settled();
    },
  };
  return supervisor;
}
