import { Button } from 'primereact/button';
import { SelectButton } from 'primereact/selectbutton';
import { useState } from 'react';
import { useResource } from '../api/use-resource';
import { ApprovalCard, DecisionDialog, type Decision } from '../components/ApprovalCard';
import { PageHeader } from '../components/PageHeader';
import { ErrorNote, ResourceGate } from '../components/ResourceGate';
import { str } from '../lib/fields';
import { useOlderPages } from '../lib/use-older-pages';

/**
 * The approvals inbox (issue 6): what waits for a person, riskiest first, with approve /
 * deny, a reason, and "remember" (approve and add a policy rule for next time). "All" lists
 * every approval newest first; "Older approvals" follows the list's cursor.
 */
const RISK_ORDER: Record<string, number> = { critical: 0, high: 1, medium: 2, low: 3 };

export function ApprovalsPage() {
  const [view, setView] = useState<'pending' | 'all'>('pending');
  const path = view === 'pending' ? '/api/approvals?status=pending' : '/api/approvals';
  const approvals = useResource<unknown>(path, { refreshOn: ['approval.'] });
  const pages = useOlderPages(path, approvals.data, 'approvals');
  const [deciding, setDeciding] = useState<Decision>();
  // the inbox riskiest first; the whole list as the API pages it, newest first
  const rows =
    view === 'pending' ? [...pages.items].sort((a, b) => (RISK_ORDER[str(a, 'risk_level', 'riskLevel') ?? ''] ?? 9) - (RISK_ORDER[str(b, 'risk_level', 'riskLevel') ?? ''] ?? 9)) : pages.items;

  return (
    <section>
      <PageHeader
        title="Approvals"
        subtitle="Risky acts wait here for a decision by policy or by you."
        actions={
          <SelectButton
            value={view}
            onChange={(e) => e.value && setView(e.value as 'pending' | 'all')}
            options={[
              { label: 'Pending', value: 'pending' },
              { label: 'All', value: 'all' },
            ]}
            aria-label="Which approvals"
          />
        }
      />
      <DecisionDialog decision={deciding} onHide={() => setDeciding(undefined)} onDone={() => setDeciding(undefined)} />
      <ResourceGate resource={approvals} feature="Approvals" endpoint="GET /api/approvals">
        {() =>
          rows.length === 0 ? (
            <div className="nox-card nox-muted">{view === 'pending' ? 'Nothing needs you right now.' : 'No approvals recorded yet.'}</div>
          ) : (
            <>
              <div className="nox-grid-2" data-testid="approvals">
                {rows.map((a) => (
                  <ApprovalCard key={str(a, 'id')} approval={a} onDecide={(verdict) => setDeciding({ approval: a, verdict })} />
                ))}
              </div>
              {pages.error && <ErrorNote message={pages.error} />}
              {pages.hasOlder && <Button label="Older approvals" icon="pi pi-angle-down" text loading={pages.busy} onClick={pages.loadOlder} data-testid="approvals-older" />}
            </>
          )
        }
      </ResourceGate>
    </section>
  );
}
