import { rmSync } from 'node:fs';
import { expect } from 'chai';
import { backoffDelay, crashPolicyOf, judgeCrash, type CrashPolicy } from '../../workers/agents/crash-policy.js';
import { testConfig } from '../support/harness.js';

describe('agent crash policy (pure): backoff and circuit breaker', () => {
  const policy: CrashPolicy = { maxCrashes: 3, windowMs: 10_000, backoffMs: 100, backoffMaxMs: 350 };

  it('doubles the restart delay with each crash in the window, up to the cap', () => {
    expect([1, 2, 3, 4, 10].map((n) => backoffDelay(policy, n))).to.deep.equal([100, 200, 350, 350, 350]);
  });

  it('counts only crashes inside the window and opens the breaker at maxCrashes', () => {
    const first = judgeCrash(policy, [], 1_000);
    expect(first).to.deep.equal({ times: [1_000], crashes: 1, breakerOpen: false, delayMs: 100, maxCrashes: 3, windowMs: 10_000 });
    const second = judgeCrash(policy, first.times, 2_000);
    expect(second).to.include({ crashes: 2, breakerOpen: false, delayMs: 200 });
    const third = judgeCrash(policy, second.times, 3_000);
    expect(third).to.include({ crashes: 3, breakerOpen: true });
  });

  it('forgets crashes that fell out of the window (exactly windowMs old is out)', () => {
    const verdict = judgeCrash(policy, [1_000, 5_000], 11_000);
    expect(verdict.times).to.deep.equal([5_000, 11_000]);
    expect(verdict).to.include({ crashes: 2, breakerOpen: false, delayMs: 200 });
  });

  it('reads its limits from the agent config section', () => {
    const config = testConfig({ overrides: { 'agent.circuit_max_crashes': 4, 'agent.circuit_window_ms': 5000, 'agent.restart_backoff_ms': 10, 'agent.restart_backoff_max_ms': 80 } });
    rmSync(config.registryDir, { recursive: true, force: true });
    expect(crashPolicyOf(config.agent)).to.deep.equal({ maxCrashes: 4, windowMs: 5000, backoffMs: 10, backoffMaxMs: 80 });
  });
});
