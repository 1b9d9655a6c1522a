import { Button } from 'primereact/button';
import { Column } from 'primereact/column';
import { DataTable } from 'primereact/datatable';
import { Dropdown } from 'primereact/dropdown';
import { InputText } from 'primereact/inputtext';
import { Message } from 'primereact/message';
import { Tag } from 'primereact/tag';
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { api } from '../api/client';
import { ApiError, CLIENT_CODE } from '../api/problem';
import { useSession } from '../auth/session';
import { PageHeader } from '../components/PageHeader';
import { ErrorNote, Loading, Unavailable } from '../components/ResourceGate';

/** One entry of GET /api/audit (docs/OBSERVABILITY.md, "Audit trail"). */
interface AuditEntry {
  id: string;
  at: string;
  actor: string;
  role: string;
  action: string;
  target: string;
  outcome: 'ok' | 'denied' | 'refused' | 'failed';
  status: number;
  correlationId: string;
  address: string;
}
interface AuditPage {
  entries: AuditEntry[];
  next: string | null;
}

interface Filters {
  actor: string;
  action: string;
  target: string;
  outcome: string;
  from: string;
  to: string;
}

const NO_FILTERS: Filters = { actor: '', action: '', target: '', outcome: '', from: '', to: '' };
const OUTCOMES = [
  { label: 'any outcome', value: '' },
  { label: 'ok', value: 'ok' },
  { label: 'denied', value: 'denied' },
  { label: 'refused', value: 'refused' },
  { label: 'failed', value: 'failed' },
];
const SEVERITY = { ok: 'success', denied: 'danger', refused: 'warning', failed: 'danger' } as const;
const PAGE_SIZE = 50;

/**
 * Who did what: the audit trail, newest first, read only (there is nothing here to edit or
 * erase, and no API route that would). Older entries load below with the page's `next`.
 */
export function AuditPage() {
  const { canOperate } = useSession();
  if (!canOperate) {
    return (
      <section>
        <PageHeader title="Audit" />
        <Message severity="info" text="The audit trail is for operators and admins only. Ask an admin if you need to see who did what." className="nox-block-message" data-testid="audit-forbidden" />
      </section>
    );
  }
  return <AuditTrail />;
}

function AuditTrail() {
  const [draft, setDraft] = useState<Filters>(NO_FILTERS);
  const [applied, setApplied] = useState<Filters>(NO_FILTERS);
  const [entries, setEntries] = useState<AuditEntry[]>();
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const [tick, setTick] = useState(0);
  // the page size can be set with ?limit= (tests and people who want more per page)
  const limit = Number(new URLSearchParams(location.search).get('limit')) || PAGE_SIZE;

  const fetchPage = useCallback(
    async (cursor: string | null, signal?: AbortSignal): Promise<AuditPage> => {
      const q = new URLSearchParams({ limit: String(limit) });
      for (const [k, v] of Object.entries(applied)) {
        if (!v) continue;
        // the date inputs give a day; the API wants a time: the whole of `to`'s day is in
        q.set(k, k === 'from' ? `${v}T00:00:00Z` : k === 'to' ? `${v}T23:59:59.999Z` : v.trim());
      }
      if (cursor) q.set('cursor', cursor);
      return api.get<AuditPage>(`/api/audit?${q.toString()}`, { signal });
    },
    [applied, limit],
  );

  // the first page, again whenever the filters are applied or "Refresh" is pressed
  useEffect(() => {
    const abort = new AbortController();
    setBusy(true);
    fetchPage(null, abort.signal)
      .then((page) => {
        setEntries(page.entries);
        setNext(page.next);
        setError(undefined);
      })
      .catch((err: unknown) => {
        if ((err as Error).name !== 'AbortError') setError(err instanceof ApiError ? err : new ApiError(0, CLIENT_CODE.client, String(err)));
      })
      .finally(() => {
        if (!abort.signal.aborted) setBusy(false);
      });
    return () => abort.abort();
  }, [fetchPage, tick]);

  const older = () => {
    if (!next) return;
    setBusy(true);
    fetchPage(next)
      .then((page) => {
        setEntries((e) => [...(e ?? []), ...page.entries]);
        setNext(page.next);
        setError(undefined);
      })
      .catch((err: unknown) => setError(err instanceof ApiError ? err : new ApiError(0, CLIENT_CODE.client, String(err))))
      .finally(() => setBusy(false));
  };

  const apply = (e: FormEvent) => {
    e.preventDefault();
    setApplied({ ...draft });
  };
  const field = (k: keyof Filters, label: string, placeholder: string, type = 'text') => (
    <span className="nox-audit-field">
      <label htmlFor={`audit-${k}`}>{label}</label>
      <InputText id={`audit-${k}`} type={type} value={draft[k]} placeholder={placeholder} onChange={(ev) => setDraft({ ...draft, [k]: ev.target.value })} />
    </span>
  );

  if (error?.unavailable) return <Unavailable feature="Audit trail" endpoint="GET /api/audit" />;
  return (
    <section>
      <PageHeader
        title="Audit"
        subtitle="Every state-changing act of a person or an agent, newest first. The trail is append-only: nothing here can be edited."
        actions={<Button label="Refresh" icon="pi pi-refresh" outlined onClick={() => setTick((t) => t + 1)} disabled={busy} data-testid="audit-refresh" />}
      />
      <form className="nox-toolbar nox-audit-filters" onSubmit={apply} aria-label="Filter the audit trail">
        {field('actor', 'Actor', 'user:olga, agent:a1')}
        {field('action', 'Action', 'POST /api/agents')}
        {field('target', 'Target', 'part of the path')}
        <span className="nox-audit-field">
          <label htmlFor="audit-outcome">Outcome</label>
          <Dropdown inputId="audit-outcome" value={draft.outcome} options={OUTCOMES} placeholder="any outcome" onChange={(ev) => setDraft({ ...draft, outcome: ev.value as string })} />
        </span>
        {field('from', 'From', '', 'date')}
        {field('to', 'To', '', 'date')}
        <Button type="submit" label="Apply" icon="pi pi-filter" data-testid="audit-apply" />
        <Button
          type="button"
          label="Clear"
          text
          onClick={() => {
            setDraft(NO_FILTERS);
            setApplied(NO_FILTERS);
          }}
        />
      </form>
      {error && <ErrorNote message={error.message} />}
      <div className="nox-card">
        {entries === undefined ? (
          error ? null : <Loading />
        ) : (
          <>
            <DataTable value={entries} dataKey="id" size="small" stripedRows data-testid="audit-table" emptyMessage="No entry matches. Every change made through the API is recorded here.">
              <Column header="Time" body={(e: AuditEntry) => <time dateTime={e.at}>{new Date(e.at).toLocaleString()}</time>} />
              <Column field="actor" header="Actor" />
              <Column field="role" header="Role" />
              <Column field="action" header="Action" body={(e: AuditEntry) => <code>{e.action}</code>} />
              <Column field="target" header="Target" body={(e: AuditEntry) => <code className="nox-break">{e.target}</code>} />
              <Column header="Outcome" body={(e: AuditEntry) => <Tag value={e.outcome} severity={SEVERITY[e.outcome] ?? 'info'} data-testid="audit-outcome" />} />
              <Column field="status" header="Status" />
              <Column field="address" header="Address" />
              <Column header="Correlation id" body={(e: AuditEntry) => <code className="nox-break">{e.correlationId}</code>} />
            </DataTable>
            <div className="nox-toolbar nox-audit-more">
              <span className="nox-muted" aria-live="polite" data-testid="audit-count">
                {entries.length} {entries.length === 1 ? 'entry' : 'entries'} shown{next ? '' : ', no older ones'}
              </span>
              {next && <Button label="Older" icon="pi pi-angle-down" outlined onClick={older} disabled={busy} data-testid="audit-older" />}
            </div>
          </>
        )}
      </div>
    </section>
  );
}
