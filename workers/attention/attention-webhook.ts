import type { AttentionItem } from '../../shared/attention/attention-item.js';

/**
 * The "needs you" POST for an agent, in the shape of the approvals' one
 * (workers/approvals/webhook.ts): Slack-compatible `text` and `blocks`, plus the item itself
 * as `attention` for receivers that are not chat apps.
 */
export interface AttentionWebhookPayload {
  text: string;
  blocks: Record<string, unknown>[];
  attention: Pick<AttentionItem, 'id' | 'kind' | 'severity' | 'title' | 'reason' | 'since' | 'link' | 'agent_id'> & { status?: string };
}

export function attentionWebhookPayload(item: AttentionItem, dashboardUrl?: string): AttentionWebhookPayload {
  const href = dashboardUrl ? `${dashboardUrl.replace(/\/$/, '')}${item.link}` : undefined;
  const link = href ? ` <${href}|Open ${item.agent_id}>` : '';
  return {
    text: `Nox needs you: ${item.title}: ${item.reason.slice(0, 300)}.${link}`,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*Nox needs you* — ${item.title}` } },
      { type: 'section', text: { type: 'mrkdwn', text: item.reason.slice(0, 500) } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `since ${item.since}${link}` }] },
    ],
    attention: {
      id: item.id,
      kind: item.kind,
      severity: item.severity,
      title: item.title,
      reason: item.reason,
      since: item.since,
      link: item.link,
      agent_id: item.agent_id,
      ...(item.status ? { status: item.status } : {}),
    },
  };
}
