import { Button } from 'primereact/button';
import { InputText } from 'primereact/inputtext';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { api } from '../api/client';
import { useResource } from '../api/use-resource';
import { Link, navigate } from '../app/router';
import { useSession } from '../auth/session';
import { AgentRow } from '../components/AgentRow';
import { PageHeader } from '../components/PageHeader';
import { ResourceGate } from '../components/ResourceGate';
import { SpawnDialog } from '../components/SpawnDialog';
import { StatusTag } from '../components/StatusTag';
import { useNotify } from '../components/toast';
import { createAgentRowStore } from '../lib/agent-rows';
import { listFrom } from '../lib/fields';
import { useEventListener } from '../live/live-context';

/**
 * The agents at fleet size (issue 21): one page at a time from the server (GET /api/agents
 * with a cursor), filtered by runtime status (with the counts the server gives), by text
 * and by label; rows selected across the page act together through POST /api/agents/bulk.
 * Live events patch the rows they name (lib/agent-rows.ts); creations, deletions and status
 * changes also refetch the page (throttled), so counts and filtered pages stay true.
 */
const PAGE_SIZES = [50, 100, 250];
const REFETCH_ON = ['agent.created', 'agent.deleted', 'agent.status'];

interface Page {
  agents: unknown[];
  next: string | null;
  total: number;
  counts: Record<string, number>;
}

interface BulkAnswer {
  matched: number;
  succeeded: number;
  failed: number;
  results: { id: string; ok: boolean; code?: string; detail?: string }[];
}

export function AgentsPage() {
  const { canOperate } = useSession();
  const notify = useNotify();
  const [spawning, setSpawning] = useState(false);
  const [status, setStatus] = useState<string | null>(null);
  const [search, setSearch] = useState('');
  const [q, setQ] = useState('');
  const [label, setLabel] = useState('');
  const [limit, setLimit] = useState(100);
  // cursors of the pages before this one (a stack: Previous pops it)
  const [cursors, setCursors] = useState<string[]>([]);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const rows = useMemo(createAgentRowStore, []);

  useEffect(() => {
    const t = setTimeout(() => setQ(search.trim()), 250);
    return () => clearTimeout(t);
  }, [search]);
  // a new filter starts from the first page
  useEffect(() => setCursors([]), [status, q, label, limit]);

  const query = new URLSearchParams({ limit: String(limit) });
  if (status) query.set('status', status);
  if (q) query.set('q', q);
  if (/^[a-z0-9_.-]+(=.*)?$/.test(label.trim())) query.set('label', label.trim());
  const cursor = cursors.at(-1);
  if (cursor) query.set('cursor', cursor);
  const path = `/api/agents?${query.toString()}`;
  const resource = useResource<Page>(path, { refreshOn: REFETCH_ON });
  const page = resource.data;
  // Next and Previous move the cursor at once; the rows shown stay the old page's until the
  // new one arrives, and the range and the Next button must say what is shown
  const fresh = resource.dataPath === path;
  const shownFirst = useRef(0);
  if (fresh) shownFirst.current = cursors.length * limit;
  useMemo(() => page && rows.merge(listFrom(page, 'agents')), [page, rows]);
  useEventListener(['agent.status', 'agent.metrics'], (e) => rows.apply(e));
  // the table re-renders when the page's agents change, not when one of them does
  const ids = useMemo(() => (page ? listFrom(page, 'agents').map((a) => String(a.id)) : []), [page]);
  const idKey = ids.join(',');
  const pageIds = useMemo(() => ids, [idKey]); // eslint-disable-line react-hooks/exhaustive-deps
  const nextCursor = useRef<string | null>(null);
  nextCursor.current = page?.next ?? null;

  const onSelect = useCallback((id: string, on: boolean) => {
    setSelected((s) => {
      const next = new Set(s);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  }, []);
  const allOnPage = pageIds.length > 0 && pageIds.every((id) => selected.has(id));

  const bulk = async (action: 'start' | 'stop' | 'restart' | 'delete'): Promise<void> => {
    const chosen = [...selected];
    try {
      const r = await api.post<BulkAnswer>('/api/agents/bulk', { action, selector: { ids: chosen } });
      const failures = r.results.filter((x) => !x.ok);
      if (failures.length === 0) notify.ok(`${action}: ${r.succeeded} of ${r.matched} agents`);
      else notify.fail(`${action}: ${r.succeeded} of ${r.matched} agents; ${r.failed} failed`, failures.slice(0, 5).map((f) => `${f.id}: ${f.code ?? ''} ${f.detail ?? ''}`).join('\n'));
      setSelected(new Set());
      resource.reload();
    } catch (err) {
      notify.fail(`${action} failed`, String((err as Error).message));
    }
  };

  const counts = page?.counts ?? {};
  const countTotal = Object.values(counts).reduce((a, b) => a + b, 0);
  const first = shownFirst.current;

  return (
    <section>
      <PageHeader
        title="Agents"
        subtitle="Long-lived Claude CLI processes on the worker hosts."
        actions={<Button label="Spawn agent" icon="pi pi-plus" onClick={() => setSpawning(true)} disabled={!canOperate || resource.unavailable} data-testid="spawn-open" />}
      />
      <SpawnDialog
        visible={spawning}
        onHide={() => setSpawning(false)}
        onSpawned={(id) => {
          setSpawning(false);
          notify.ok(`Agent ${id} spawned`);
          resource.reload();
        }}
      />
      <div className="nox-card">
        <div className="nox-actions nox-agent-filters" role="group" aria-label="Runtime status" data-testid="status-counts">
          <Button size="small" label={`All ${countTotal}`} outlined={status !== null} onClick={() => setStatus(null)} data-testid="status-filter-all" />
          {Object.entries(counts)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([s, n]) => (
              <Button key={s} size="small" outlined={status !== s} onClick={() => setStatus(status === s ? null : s)} data-testid={`status-filter-${s}`} aria-pressed={status === s}>
                <StatusTag status={s} />
                <span className="nox-count">{n}</span>
              </Button>
            ))}
        </div>
        <div className="nox-actions nox-agent-filters">
          <span className="p-input-icon-left">
            <InputText value={search} onChange={(e) => setSearch(e.target.value)} placeholder="Search id or name" aria-label="Search agents" data-testid="agents-search" />
          </span>
          <InputText value={label} onChange={(e) => setLabel(e.target.value)} placeholder="label=value" aria-label="Label filter" data-testid="agents-label" />
          <label className="nox-muted">
            Per page{' '}
            <select value={limit} onChange={(e) => setLimit(Number(e.target.value))} aria-label="Agents per page">
              {PAGE_SIZES.map((n) => (
                <option key={n}>{n}</option>
              ))}
            </select>
          </label>
        </div>
        {selected.size > 0 && (
          <div className="nox-actions nox-bulk-bar" role="group" aria-label="Selected agents" data-testid="bulk-bar">
            <strong>{selected.size} selected</strong>
            {(['start', 'stop', 'restart', 'delete'] as const).map((a) => (
              <Button key={a} size="small" label={`${a[0]!.toUpperCase()}${a.slice(1)} selected`} severity={a === 'delete' ? 'danger' : undefined} disabled={!canOperate} onClick={() => void bulk(a)} data-testid={`bulk-${a}`} />
            ))}
            <Button size="small" text label="Clear" onClick={() => setSelected(new Set())} />
          </div>
        )}
        <ResourceGate resource={resource} feature="Agents" endpoint="GET /api/agents">
          {(data) => (
            <>
              <table className="nox-table p-datatable-table" data-testid="agents-table">
                <thead>
                  <tr>
                    <th>
                      <input
                        type="checkbox"
                        aria-label="select the page"
                        checked={allOnPage}
                        onChange={(e) =>
                          setSelected((s) => {
                            const next = new Set(s);
                            for (const id of pageIds) if (e.target.checked) next.add(id);
                            else next.delete(id);
                            return next;
                          })
                        }
                        data-testid="select-page"
                      />
                    </th>
                    <th>Agent</th>
                    <th>Status</th>
                    <th>Host</th>
                    <th>CPU</th>
                    <th>Memory</th>
                    <th>Cost</th>
                    <th>Restarts</th>
                    <th>Labels</th>
                    <th>Actions</th>
                  </tr>
                </thead>
                <tbody>
                  {pageIds.length === 0 ? (
                    <tr>
                      <td colSpan={10} className="nox-muted">
                        {countTotal === 0 && !q && !label ? 'No agents yet. Spawn one.' : 'No agent matches.'}
                      </td>
                    </tr>
                  ) : (
                    pageIds.map((id) => <AgentRow key={id} id={id} rows={rows} selected={selected.has(id)} onSelect={onSelect} />)
                  )}
                </tbody>
              </table>
              <div className="nox-actions nox-pager" data-testid="pager">
                <Button size="small" icon="pi pi-angle-left" label="Previous" text disabled={cursors.length === 0} onClick={() => setCursors((c) => c.slice(0, -1))} />
                <span className="nox-muted" data-testid="page-range">
                  {data.total === 0 ? '0' : `${first + 1}–${first + pageIds.length}`} of {data.total}
                </span>
                <Button size="small" icon="pi pi-angle-right" iconPos="right" label="Next" text disabled={!data.next || !fresh} onClick={() => nextCursor.current && setCursors((c) => [...c, nextCursor.current as string])} />
              </div>
            </>
          )}
        </ResourceGate>
      </div>
      {resource.unavailable && (
        <p className="nox-muted">
          Meanwhile, <Link to="/hosts">Hosts & queues</Link> shows the worker hosts that will run them.{' '}
          <Button link label="Live events" onClick={() => navigate('/events')} />
        </p>
      )}
    </section>
  );
}
