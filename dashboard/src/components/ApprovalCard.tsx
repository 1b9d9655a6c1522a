import { Button } from 'primereact/button';
import { Checkbox } from 'primereact/checkbox';
import { Dialog } from 'primereact/dialog';
import { InputTextarea } from 'primereact/inputtextarea';
import { useState, type FormEvent } from 'react';
import { api } from '../api/client';
import { describeError } from '../api/problem';
import { Link } from '../app/router';
import { useSession } from '../auth/session';
import { GrantDetails, REMEMBERABLE } from './GrantDetails';
import { ErrorNote } from './ResourceGate';
import { RiskBadge, StatusTag } from './StatusTag';
import { useNotify } from './toast';
import { dateTimeText, num, str, type Row } from '../lib/fields';

/**
 * One approval as a card (what it would do, who asks, its risk and deadline) with approve /
 * deny, and the dialog that decides it with a reason and "remember": the approvals inbox and
 * the "needs you" page show the same card.
 */
export type Decision = { approval: Row; verdict: 'approve' | 'deny' };

export function ApprovalCard({ approval: a, onDecide }: { approval: Row; onDecide(verdict: 'approve' | 'deny'): void }) {
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

export function DecisionDialog({ decision, onHide, onDone }: { decision: Decision | undefined; onHide(): void; onDone(): void }) {
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
