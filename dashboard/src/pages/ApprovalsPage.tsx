import { Button } from 'primereact/button';
import { Checkbox } from 'primereact/checkbox';
import { Dialog } from 'primereact/dialog';
import { InputTextarea } from 'primereact/inputtextarea';
import { SelectButton } from 'primereact/selectbutton';
import { useState, type FormEvent } from 'react';
import { api } from '../api/client';
import { describeError } from '../api/problem';
import { useResource } from '../api/use-resource';
import { Link } from '../app/router';
import { useSession } from '../auth/session';
import { PageHeader } from '../components/PageHeader';
import { GrantDetails, REMEMBERABLE } from '../components/GrantDetails';
import { ErrorNote, ResourceGate } from '../components/ResourceGate';
import { RiskBadge, StatusTag } from '../components/StatusTag';
import { useNotify } from '../components/toast';
import { dateTimeText, num, str, type Row } from '../lib/fields';
import { useOlderPages } from '../lib/use-older-pages';

/**
 * The approvals inbox (issue 6): what waits for a person, riskiest first, with approve /
 * deny, a reason, and "remember" (approve and add a policy rule for next time). "All" lists
 * every approval newest first; "Older approvals" follows the list's cursor (issue 21).
 */
const RISK_ORDER: Record<string, number> = { critical: 0, high: 1, medium: 2, low: 3 };
type Decision = { approval: Row; verdict: 'approve' | 'deny' };

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

function ApprovalCard({ approval: a, onDecide }: { approval: Row; onDecide(verdict: 'approve' | 'deny'): void }) {
  const { canOperate } = useSession();
  const agentId = str(a, 'agent_id', 'agentId');
  const status = str(a, 'status', 'decision') ?? 'pending';
  const details = (a.details ?? a.input) as unknown;
  const expiresAt = num(a, 'expires_at');
  // what the tool would do, up front: the command for Bash, the input otherwise; a spawn or an install lays out all it grants
  const type = str(a, 'request_type', 'type');
  const input = (a.details as Row | undefined)?.input as Row | undefined;
  const grants = type === 'spawn_agent' || type === 'install_mcp';
  const toolInput = input === undefined || grants ? undefined : (str(input, 'command') ?? JSON.stringify(input));
  return (
    <article className="nox-card" data-testid="approval" aria-label={`Approval ${str(a, 'id')}`}>
      <h2>
        <span>
          <RiskBadge risk={str(a, 'risk_level', 'riskLevel')} /> {type ?? 'request'}
        </span>
        <StatusTag status={status} />
      </h2>
      <p>{str(a, 'description') ?? '—'}</p>
      {toolInput !== undefined && <pre className="nox-json nox-tool-input">{toolInput}</pre>}
      {grants && <GrantDetails type={type} input={input} />}
      <div className="nox-kv">
        {agentId && (
          <span>
            agent <Link to={`/agents/${encodeURIComponent(agentId)}`}>{agentId}</Link>
          </span>
        )}
        {str(a, 'details.tool', 'tool') && <span>tool {str(a, 'details.tool', 'tool')}</span>}
        <span>asked {dateTimeText(str(a, 'created_at', 'createdAt'))}</span>
        {status === 'pending' && expiresAt !== undefined && <span>denied automatically at {new Date(expiresAt).toLocaleTimeString()} unless decided</span>}
        {str(a, 'decided_by', 'decidedBy') && <span>by {str(a, 'decided_by', 'decidedBy')}</span>}
        {str(a, 'reason') && <span>reason: {str(a, 'reason')}</span>}
      </div>
      {details !== undefined && (
        <details>
          <summary>details</summary>
          <pre className="nox-json">{JSON.stringify(details, null, 2)}</pre>
        </details>
      )}
      {status === 'pending' && (
        <div className="nox-actions" style={{ marginTop: '0.75rem' }}>
          <Button label="Approve" icon="pi pi-check" severity="success" size="small" disabled={!canOperate} onClick={() => onDecide('approve')} />
          <Button label="Deny" icon="pi pi-times" severity="danger" size="small" outlined disabled={!canOperate} onClick={() => onDecide('deny')} />
        </div>
      )}
    </article>
  );
}

function DecisionDialog({ decision, onHide, onDone }: { decision: Decision | undefined; onHide(): void; onDone(): void }) {
  const notify = useNotify();
  const [reason, setReason] = useState('');
  const [remember, setRemember] = useState(false);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const approve = decision?.verdict === 'approve';
  const type = str(decision?.approval, 'request_type', 'type');
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!decision) return;
    setBusy(true);
    setError(undefined);
    try {
      const body: Record<string, unknown> = {};
      if (reason.trim()) body.reason = reason.trim();
      if (approve && remember) body.remember = true;
      await api.post(`/api/approvals/${encodeURIComponent(str(decision.approval, 'id') ?? '')}/${decision.verdict}`, body);
      notify.ok(approve ? 'Approved' : 'Denied');
      setReason('');
      setRemember(false);
      onDone();
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog header={approve ? 'Approve' : 'Deny'} visible={decision !== undefined} onHide={onHide} style={{ width: 'min(30rem, 95vw)' }} modal>
      <form className="nox-form" onSubmit={(e) => void submit(e)} data-testid="decision-form">
        {error && <ErrorNote message={error} />}
        <p>{str(decision?.approval, 'description')}</p>
        <div>
          <label htmlFor="decision-reason">Reason {approve ? '(optional)' : '(required)'}</label>
          <InputTextarea id="decision-reason" value={reason} onChange={(e) => setReason(e.target.value)} rows={3} autoResize autoFocus />
        </div>
        {approve && REMEMBERABLE.has(type ?? '') && (
          <div className="nox-actions">
            <Checkbox inputId="decision-remember" checked={remember} onChange={(e) => setRemember(e.checked ?? false)} />
            <label htmlFor="decision-remember" style={{ fontWeight: 400, margin: 0 }}>
              {type === 'spawn_agent' ? 'Remember: always allow this agent to spawn a child with exactly this config' : 'Remember: always allow this for this agent'}
            </label>
          </div>
        )}
        <div className="nox-actions">
          <Button
            type="submit"
            label={approve ? 'Approve' : 'Deny'}
            icon={approve ? 'pi pi-check' : 'pi pi-times'}
            severity={approve ? 'success' : 'danger'}
            loading={busy}
            disabled={!approve && !reason.trim()}
          />
          <Button type="button" label="Cancel" outlined onClick={onHide} />
        </div>
      </form>
    </Dialog>
  );
}
