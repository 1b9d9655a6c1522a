import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { parseAgentLine } from '../../workers/agents/claude-cli/line-parser.js';
import { createLineRepair } from '../../workers/agents/claude-cli/line-repair.js';
import type { AgentEvent } from '../../workers/agents/claude-cli/protocol.js';
import { CONTINUE_AFTER_LIMIT, estimatedWait, judgeLimit, judgeRetry, NO_SIGNALS, noteLimitSignal, retryAfterLimit, type LimitSignals, type UsageLimit } from '../../workers/agents/usage-limit.js';
import { FIXTURES_DIR } from '../support/harness.js';

/**
 * Reading usage and rate limits (usage-limit.ts, pure) from what the real CLI 2.1.330 wrote
 * (test/fixtures/cli-limit-lines, README there): each recording's lines are parsed and folded
 * as the supervisor does, and its `result` judged at the time the CLI wrote it.
 */
const policy = { defaultMs: 60_000, maxMs: 3_600_000 };
type Result = Extract<AgentEvent, { kind: 'result' }>;

function replay(file: string): { events: AgentEvent[]; judged: { result: Result; signals: LimitSignals; now: number }[] } {
  const lines = readFileSync(path.join(FIXTURES_DIR, 'cli-limit-lines', file), 'utf8').split('\n').filter((l) => l.trim());
  const events: AgentEvent[] = [];
  const judged: { result: Result; signals: LimitSignals; now: number }[] = [];
  let signals = NO_SIGNALS;
  let now = 0;
  for (const line of lines) {
    const parsed = parseAgentLine(line);
    if (!parsed.ok) throw new Error(`${file}: ${parsed.reason}`);
    for (const event of parsed.events) {
      events.push(event);
      if (typeof event.raw.timestamp === 'string') now = Date.parse(event.raw.timestamp);
      if (event.kind === 'result') {
        judged.push({ result: event, signals, now });
        signals = NO_SIGNALS;
      } else signals = noteLimitSignal(signals, event);
    }
  }
  return { events, judged };
}

const judge = (file: string, n = 0, earlier = 0): UsageLimit | undefined => {
  const { result, signals, now } = replay(file).judged[n]!;
  return judgeLimit(result, signals, policy, earlier, now);
};

describe('usage and rate limits read from the real CLI’s lines', () => {
  it('a subscription’s usage limit: parked until the rate_limit_event’s resetsAt, exactly', () => {
    const { events, judged } = replay('usage-limit-oauth.jsonl');
    const event = events.find((e) => e.kind === 'rate-limit') as Extract<AgentEvent, { kind: 'rate-limit' }>;
    expect(event.info).to.deep.include({ status: 'rejected', rateLimitType: 'five_hour' });
    const synthetic = events.find((e) => e.kind === 'assistant-other') as Extract<AgentEvent, { kind: 'assistant-other' }>;
    expect(synthetic.error).to.equal('rate_limit');
    expect(synthetic.rateLimit?.resetsAt).to.equal(event.info.resetsAt);
    expect(judged[0]!.result).to.include({ isError: true, subtype: 'success', apiErrorStatus: 429, apiErrorType: 'rate_limit_error', terminalReason: 'api_error' });
    expect(judged[0]!.signals.hadOutput, 'the synthetic message is not the model’s').to.equal(false);

    const limit = judge('usage-limit-oauth.jsonl')!;
    expect(limit).to.deep.include({ kind: 'usage-limit', resumesAt: event.info.resetsAt! * 1000, resetKnown: true, inTurn: false, rateLimitType: 'five_hour', apiErrorStatus: 429 });
    expect(limit.reason).to.equal(`usage limit reached (five_hour): resumes at ${new Date(event.info.resetsAt! * 1000).toISOString()}`);
    expect(limit.said).to.match(/^You've hit your 5-hour limit · resets /);
    // the same state from the synthetic message alone (an event lost to a corrupted line)
    const { result, now } = replay('usage-limit-oauth.jsonl').judged[0]!;
    expect(judgeLimit(result, noteLimitSignal(NO_SIGNALS, synthetic), policy, 0, now)?.resumesAt).to.equal(limit.resumesAt);
  });

  it('after the reset the next turn succeeds: not a limit, and the allowed rate_limit_event changes nothing', () => {
    expect(judge('usage-limit-then-allowed.jsonl', 0)?.kind).to.equal('usage-limit');
    const second = replay('usage-limit-then-allowed.jsonl').judged[1]!;
    expect(second.signals.rateLimit?.status).to.equal('allowed');
    expect(judgeLimit(second.result, second.signals, policy, 1, second.now)).to.equal(undefined);
  });

  it('a 429 whose retries ran out: parked for the CLI’s last retry delay (its reading of retry-after), doubling with each limit in a row, capped', () => {
    const { judged } = replay('rate-limit-429-retries-exhausted.jsonl');
    const delay = judged[0]!.signals.retryDelayMs!;
    expect(delay).to.be.at.least(2000); // retry-after: 2
    const limit = judge('rate-limit-429-retries-exhausted.jsonl')!;
    expect(limit).to.deep.include({ kind: 'rate-limit', resetKnown: false, apiErrorStatus: 429, resumesAt: judged[0]!.now + delay });
    expect(limit.reason).to.match(/^rate limited by the model API \(429\): resumes at /);
    expect(judge('rate-limit-429-retries-exhausted.jsonl', 0, 2)!.resumesAt).to.equal(judged[0]!.now + delay * 4);
    expect(estimatedWait(policy, undefined, 0)).to.equal(60_000);
    expect(estimatedWait(policy, undefined, 10)).to.equal(3_600_000);
  });

  it('a 429 with a retry-after too long to wait in the turn: given up at once, parked for agent.park_default_ms', () => {
    const { judged } = replay('rate-limit-429-retry-after-too-long.jsonl');
    expect(judged[0]!.signals.retryDelayMs).to.equal(undefined);
    expect(judge('rate-limit-429-retry-after-too-long.jsonl')).to.deep.include({ kind: 'rate-limit', resumesAt: judged[0]!.now + 60_000 });
  });

  it('529 overloaded, retries run out: parked as overloaded; with --fallback-model the CLI switches and the turn succeeds', () => {
    const overloaded = judge('overloaded-529-retries-exhausted.jsonl')!;
    expect(overloaded).to.deep.include({ kind: 'overloaded', apiErrorStatus: 529 });
    expect(overloaded.reason).to.match(/^the model API is overloaded \(529\)/);

    const { events, judged } = replay('overloaded-529-fallback-model.jsonl');
    expect(events.find((e) => e.kind === 'model-fallback')).to.deep.include({ from: 'claude-opus-5-5', to: 'claude-fallback-1', trigger: 'overloaded' });
    expect(judged[0]!.signals.hadOutput).to.equal(true);
    expect(judgeLimit(judged[0]!.result, judged[0]!.signals, policy, 0, judged[0]!.now)).to.equal(undefined);
  });

  it('within a turn: a 429 retry is a park until the CLI retries; a 529 retry is not', () => {
    const retries = replay('rate-limit-429-retries-exhausted.jsonl').events.filter((e) => e.kind === 'api-retry') as Extract<AgentEvent, { kind: 'api-retry' }>[];
    const inTurn = judgeRetry(retries[0]!, 1000)!;
    expect(inTurn).to.deep.include({ kind: 'rate-limit', inTurn: true, resumesAt: 1000 + retries[0]!.retryDelayMs! });
    expect(inTurn.reason).to.match(/the CLI retries at .*, retry 1 of 1$/);
    const overloaded = replay('overloaded-529-retries-exhausted.jsonl').events.find((e) => e.kind === 'api-retry') as Extract<AgentEvent, { kind: 'api-retry' }>;
    expect(judgeRetry(overloaded, 1000)).to.equal(undefined);
  });

  it('other failed turns are not limits', () => {
    const fail = (raw: Record<string, unknown>): UsageLimit | undefined => {
      const parsed = parseAgentLine(JSON.stringify({ type: 'result', ...raw }));
      return parsed.ok ? judgeLimit(parsed.events[0] as Result, NO_SIGNALS, policy, 0, 0) : undefined;
    };
    expect(fail({ subtype: 'error_during_execution', is_error: true, terminal_reason: 'aborted_streaming' })).to.equal(undefined);
    expect(fail({ subtype: 'success', is_error: true, result: 'Invalid API key · Please run /login', api_error_status: 401 })).to.equal(undefined);
    expect(fail({ subtype: 'success', is_error: false, api_error_status: 429 }), 'not failed').to.equal(undefined);
    expect(fail({ subtype: 'success', is_error: true, terminal_reason: 'blocking_limit' })?.kind).to.equal('usage-limit');
  });

  it('the turn a limit ended runs again once: the same turn (messages: back to the inbox) unless the model had begun', () => {
    expect(retryAfterLimit(undefined, false)).to.equal(undefined);
    expect(retryAfterLimit({ text: 'do it', correlationId: 'c1' }, false)).to.deep.equal({ queue: { text: 'do it', correlationId: 'c1' } });
    expect(retryAfterLimit({ text: '[message m-1] ...', correlationId: 'm-1', messageIds: ['m-1', 'm-2'] }, false)).to.deep.equal({ inbox: ['m-1', 'm-2'] });
    expect(retryAfterLimit({ text: 'do it', correlationId: 'c1', messageIds: ['m-1'] }, true)).to.deep.equal({ queue: { text: CONTINUE_AFTER_LIMIT, correlationId: 'c1' } });
  });
});

describe('a rate_limit_event injected into another line (claude-code #49640)', () => {
  const event = '{"type":"rate_limit_event","rate_limit_info":{"status":"allowed_warning","resetsAt":1795860158,"rateLimitType":"five_hour","utilization":0.9},"uuid":"u1","session_id":"s1"}';
  const host = JSON.stringify({ type: 'assistant', message: { id: 'm1', role: 'assistant', content: [{ type: 'text', text: 'the first half and the second half' }] }, session_id: 's1' });

  it('splits the event out and puts the host line back together', () => {
    const cut = host.indexOf(' and the second');
    const repair = createLineRepair();
    expect(repair(host.slice(0, cut) + event)).to.deep.equal([event]);
    expect(repair(host.slice(cut))).to.deep.equal([host]);
    const parsed = parseAgentLine(event);
    expect(parsed.ok && parsed.events[0]).to.deep.include({ kind: 'rate-limit', info: { status: 'allowed_warning', resetsAt: 1795860158, rateLimitType: 'five_hour', utilization: 0.9 } });
  });

  it('passes good lines through, and hands on a fragment the next line does not complete', () => {
    const repair = createLineRepair();
    expect(repair(host)).to.deep.equal([host]);
    expect(repair(event)).to.deep.equal([event]);
    expect(repair('not json at all')).to.deep.equal(['not json at all']);
    expect(repair(`{"type":"assistant","message":{"x":"y${event}`)).to.deep.equal([event]);
    expect(repair(host)).to.deep.equal(['{"type":"assistant","message":{"x":"y', host]);
  });
});
