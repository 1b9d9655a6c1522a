import type { ApprovalRequest } from '../../shared/approvals/approval-request.js';

/**
 * The "needs you" notification: a POST of Slack-compatible JSON (`text` plus `blocks`,
 * which Slack incoming webhooks, Mattermost and most chat bridges accept) to
 * `approvals.webhook_url` for every question that asks a person. Sent by the
 * `approval.webhook` job (one per approval, fixed job id), which BullMQ retries with
 * backoff when the POST fails (`approvals.webhook_attempts`, `webhook_backoff_ms`). A
 * receiver may see a POST twice only if it accepted one but the answer was lost.
 */
export interface WebhookPayload {
  text: string;
  blocks: Record<string, unknown>[];
  /** not Slack's: the approval itself, for receivers that are not chat apps */
  approval: Pick<ApprovalRequest, 'id' | 'agent_id' | 'request_type' | 'risk_level' | 'description' | 'created_at'> & { tool?: string; expires_at?: number };
}

export function webhookPayload(request: ApprovalRequest, dashboardUrl?: string): WebhookPayload {
  const what = request.details.tool ? `${request.details.tool}` : request.request_type;
  const link = dashboardUrl ? ` <${dashboardUrl.replace(/\/$/, '')}/approvals|Open approvals>` : '';
  // A tool use names the agent and the tool; other requests say what they are about.
  const asks = request.details.tool ? `agent ${request.agent_id} asks to use ${what}` : `${request.request_type} asked by ${request.requested_by}: ${request.description.slice(0, 300)}`;
  const text = `Nox needs you: ${asks} (${request.risk_level} risk) — approval ${request.id}.${link}`;
  const command = typeof request.details.input?.command === 'string' ? request.details.input.command : undefined;
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*Nox needs you* — ${request.risk_level} risk ${request.request_type}` } },
      {
        type: 'section',
        fields: [
          { type: 'mrkdwn', text: `*Agent*\n${request.agent_id}` },
          { type: 'mrkdwn', text: `*What*\n${what}` },
        ],
      },
      { type: 'section', text: { type: 'mrkdwn', text: command ? `\`${command.slice(0, 500)}\`` : request.description.slice(0, 500) } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `\`nox approve ${request.id}\` or \`nox deny ${request.id} --reason …\`${link}` }] },
    ],
    approval: {
      id: request.id,
      agent_id: request.agent_id,
      request_type: request.request_type,
      risk_level: request.risk_level,
      description: request.description,
      created_at: request.created_at,
      ...(request.details.tool ? { tool: request.details.tool } : {}),
      ...(request.expires_at ? { expires_at: request.expires_at } : {}),
    },
  };
}

/** POSTs the payload (an approval's, or an agent's: workers/attention/attention-webhook.ts); resolves with the HTTP status, rejects on network failure or timeout. */
export async function sendWebhook(url: string, payload: WebhookPayload | object, timeoutMs: number): Promise<number> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(payload),
    signal: AbortSignal.timeout(timeoutMs),
  });
  await res.arrayBuffer().catch(() => undefined);
  if (!res.ok) throw new Error(`webhook answered ${res.status}`);
  return res.status;
}
