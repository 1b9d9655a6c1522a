import { Button } from 'primereact/button';
import { useState } from 'react';
import { Link } from '../app/router';
import { ApprovalCard, DecisionDialog, type Decision } from '../components/ApprovalCard';
import { PageHeader } from '../components/PageHeader';
import { ResumeNowButton } from '../components/ResumeNowButton';
import { ResourceGate } from '../components/ResourceGate';
import { RiskBadge, StatusTag } from '../components/StatusTag';
import { useNow } from '../components/use-now';
import { useAttention, type AttentionItem } from '../lib/attention';
import { setNotifications, useNotifyState } from '../lib/browser-notifications';
import { ageText, dateTimeText, type Row } from '../lib/fields';

/**
 * "Needs you" (issue 18, item 6): everything that waits for a person in one list, most urgent
 * first — approvals, decided right here with the inbox's card, and agents failed, stalled,
 * parked too long or over budget, each with its reason and a link to the agent. Live through
 * the event stream; browser notifications are opt-in.
 */
export function AttentionPage() {
  const attention = useAttention();
  const [deciding, setDeciding] = useState<Decision>();
  return (
    <section>
      <PageHeader title="Needs you" subtitle="Approvals waiting for a decision and agents that need a person, most urgent first." actions={<NotifyToggle />} />
      <DecisionDialog decision={deciding} onHide={() => setDeciding(undefined)} onDone={() => setDeciding(undefined)} />
      <ResourceGate resource={attention} feature="Needs you" endpoint="GET /api/attention">
        {(data) =>
          data.items.length === 0 ? (
            <div className="nox-card nox-muted">Nothing needs you right now.</div>
          ) : (
            <div className="nox-grid-2" data-testid="attention">
              {data.items.map((item) =>
                item.approval ? (
                  <ApprovalCard key={item.id} approval={item.approval as unknown as Row} onDecide={(verdict) => setDeciding({ approval: item.approval as unknown as Row, verdict })} />
                ) : (
                  <AgentItem key={item.id} item={item} />
                ),
              )}
            </div>
          )
        }
      </ResourceGate>
    </section>
  );
}

function AgentItem({ item }: { item: AttentionItem }) {
  const now = useNow(10_000);
  return (
    <article className="nox-card" data-testid="attention-agent" aria-label={item.title}>
      <h2>
        <span>
          <RiskBadge risk={item.severity} /> {item.title}
        </span>
        <StatusTag status={item.status} />
      </h2>
      <p data-testid="attention-reason">{item.reason}</p>
      <div className="nox-kv">
        <span title={dateTimeText(item.since)}>for {ageText(now - Date.parse(item.since))}</span>
        <Link to={item.link}>Open {item.agent_id}</Link>
        {item.status === 'parked' && item.agent_id && <ResumeNowButton id={item.agent_id} />}
      </div>
    </article>
  );
}

const NOTIFY_TEXT = {
  unsupported: 'This browser has no notifications',
  blocked: 'Notifications are blocked in this browser’s settings',
  off: 'Notify me in this browser',
  on: 'Browser notifications on',
} as const;

function NotifyToggle() {
  const state = useNotifyState();
  const usable = state === 'on' || state === 'off';
  return (
    <Button
      icon={state === 'on' ? 'pi pi-bell' : 'pi pi-bell-slash'}
      label={NOTIFY_TEXT[state]}
      size="small"
      outlined={state !== 'on'}
      aria-pressed={state === 'on'}
      disabled={!usable}
      data-testid="notify-toggle"
      onClick={() => void setNotifications(state !== 'on')}
    />
  );
}
