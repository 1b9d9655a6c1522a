import { expect } from 'chai';
import { APPROVAL_QUEUE, enqueueEvaluate } from '../../shared/approvals/approval-jobs.js';
import type { ApprovalRequest } from '../../shared/approvals/approval-request.js';
import { approvalsFor } from '../../shared/approvals/approvals.js';
import { riskyToolUse as risky, until, startApprovalStack, startWebhookReceiver, type ApprovalStack, type WebhookReceiver } from './approval-stack.js';

/**
 * The "needs you" webhook is an `approval.webhook` job: retried with exponential backoff
 * when the receiver fails (approvals.webhook_attempts, webhook_backoff_ms), one job per
 * approval, against a real local HTTP server.
 */

const forId = (hook: WebhookReceiver, id: string): Record<string, unknown>[] => hook.bodies.filter((b) => (b.approval as { id?: string } | undefined)?.id === id);

describe('approval webhook: retried with backoff until the receiver takes it', function () {
  this.timeout(60_000);
  let stack: ApprovalStack;
  let hook: WebhookReceiver;
  before(async () => {
    hook = await startWebhookReceiver(200, { failFirst: 2 });
    stack = await startApprovalStack({ overrides: { 'approvals.webhook_url': hook.url, 'approvals.webhook_attempts': 3, 'approvals.webhook_backoff_ms': 200 } });
  });
  after(async () => {
    await stack.cleanup();
    await hook.close();
  });

  it('two failures, then it gets through on the third attempt, each wait longer than the one before; evaluating again does not post again', async () => {
    const request = risky('wh-a');
    await approvalsFor(stack.apiCtx).submit(request, 'corr-wh-a');
    await until(() => forId(hook, request.id).length === 3);
    const job = await stack.apiCtx.queue(APPROVAL_QUEUE).getJob(`webhook-${request.id}`);
    await until(async () => (await job!.getState()) === 'completed');
    const at = forId(hook, request.id).map((b) => b._at as number);
    // exponential: ~200 ms, then ~400 ms
    expect(at[1]! - at[0]!).to.be.at.least(150);
    expect(at[2]! - at[1]!).to.be.at.least(350);
    expect((await approvalsFor(stack.apiCtx).get(request.id)).status).to.equal('pending');
    expect((await stack.events('approval.requested')).filter((e) => (e.data as ApprovalRequest).id === request.id)).to.have.length(1);

    // a retried evaluation (the job ran again after a crash) finds the webhook job done and does not POST again
    await stack.apiCtx.queue(APPROVAL_QUEUE).remove(`evaluate-${request.id}`);
    await enqueueEvaluate(stack.apiCtx, request, 'corr-wh-a');
    await until(async () => (await stack.apiCtx.queue(APPROVAL_QUEUE).getJobState(`evaluate-${request.id}`)) === 'completed');
    await new Promise((r) => setTimeout(r, 500));
    expect(forId(hook, request.id)).to.have.length(3);
  });
});

describe('approval webhook: a receiver that keeps failing', function () {
  this.timeout(60_000);
  let stack: ApprovalStack;
  let hook: WebhookReceiver;
  before(async () => {
    hook = await startWebhookReceiver(500);
    stack = await startApprovalStack({ overrides: { 'approvals.webhook_url': hook.url, 'approvals.webhook_attempts': 3, 'approvals.webhook_backoff_ms': 100 } });
  });
  after(async () => {
    await stack.cleanup();
    await hook.close();
  });

  it('gets exactly webhook_attempts POSTs; the job ends failed and the question is still pending, announced once', async () => {
    const request = risky('wh-b');
    await approvalsFor(stack.apiCtx).submit(request, 'corr-wh-b');
    const queue = stack.apiCtx.queue(APPROVAL_QUEUE);
    await until(async () => (await queue.getJobState(`webhook-${request.id}`)) === 'failed');
    expect(forId(hook, request.id)).to.have.length(3);
    expect((await approvalsFor(stack.apiCtx).get(request.id)).status).to.equal('pending');
    expect((await stack.events('approval.requested')).filter((e) => (e.data as ApprovalRequest).id === request.id)).to.have.length(1);
  });

  it('a question decided before the POST went out is not announced', async () => {
    const request = risky('wh-c');
    const approvals = approvalsFor(stack.apiCtx);
    await approvals.store.create(request);
    await approvals.decide(request.id, { decision: 'deny', decided_by: 'user:erin', reason: 'no' });
    // the webhook job of an escalation that lost the race with a person
    await stack.apiCtx.queue(APPROVAL_QUEUE).add('approval.webhook', { correlationId: 'corr-wh-c', approvalId: request.id }, { jobId: `webhook-${request.id}` });
    await until(async () => (await stack.apiCtx.queue(APPROVAL_QUEUE).getJobState(`webhook-${request.id}`)) === 'completed');
    expect(forId(hook, request.id)).to.have.length(0);
  });
});
