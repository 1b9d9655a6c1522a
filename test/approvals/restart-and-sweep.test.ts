import { expect } from 'chai';
import { approvalsFor } from '../../shared/approvals/approvals.js';
import { testConfig, testContext } from '../support/harness.js';
import { startTestWorker } from '../support/test-worker.js';
import { riskyToolUse as risky, until, startApprovalStack, type ApprovalStack } from './approval-stack.js';


describe('approvals survive restarts; the sweep records what a decider left unrecorded', function () {
  this.timeout(60_000);
  let stack: ApprovalStack;
  before(async () => {
    stack = await startApprovalStack({ overrides: { 'approvals.timeout_ms': 1500 } });
  });
  after(async () => {
    await stack.cleanup();
  });

  it('the timeout of a question escalated by a host that then stops is applied by another host', async () => {
    const request = risky('rs-a');
    await approvalsFor(stack.apiCtx).submit(request, 'corr-restart');
    await stack.waitStatus(request.id, 'pending');
    // the only consumer goes away before the deadline...
    await stack.host.close();
    await new Promise((r) => setTimeout(r, 1600));
    expect((await approvalsFor(stack.apiCtx).get(request.id)).status, 'nobody consumed the timeout job').to.equal('pending');
    // ...and a new host (a restart, or another machine) takes the delayed job from Redis
    const ctx = testContext(testConfig({ prefix: stack.config.redis.prefix, registryDir: stack.config.registryDir, overrides: { 'approvals.timeout_ms': 1500 } }), 'worker');
    const worker = await startTestWorker(ctx);
    try {
      const denied = await stack.waitStatus(request.id, 'denied');
      expect(denied).to.include({ decided_by: 'system', policy_rule: 'timeout' });
    } finally {
      await worker.stop();
      await ctx.close();
    }
  });

  it('a decision whose recording was lost is recorded by the sweep', async () => {
    const approvals = approvalsFor(stack.apiCtx);
    const request = risky('rs-b');
    await approvals.store.create(request);
    // decide the way a decider that died right after its decision would leave it: decided, not recorded
    const decided = await approvals.store.decide(request, { decision: 'deny', decided_by: 'user:dave', reason: 'lost line' });
    expect(decided?.status).to.equal('denied');
    expect(await stack.apiCtx.redis.zscore(stack.apiCtx.keys.approvalsUnrecorded(), request.id)).to.not.equal(null);
    await stack.sweep.runNow();
    const line = await stack.waitHistory(request.id);
    expect(line).to.include({ decision: 'deny', decided_by: 'user:dave', reason: 'lost line' });
    await until(async () => (await stack.apiCtx.redis.zscore(stack.apiCtx.keys.approvalsUnrecorded(), request.id)) === null);
    expect(stack.sweep.lastError).to.equal(undefined);
    expect(stack.sweep.lastRunAt).to.be.above(0);
  });
});
