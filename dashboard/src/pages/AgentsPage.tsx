import { Button } from 'primereact/button';
import { Column } from 'primereact/column';
import { DataTable } from 'primereact/datatable';
import { useState } from 'react';
import { useResource } from '../api/use-resource';
import { Link, navigate } from '../app/router';
import { useSession } from '../auth/session';
import { AgentActions } from '../components/AgentActions';
import { PageHeader } from '../components/PageHeader';
import { ResourceGate } from '../components/ResourceGate';
import { Sparkline } from '../components/Sparkline';
import { SpawnDialog } from '../components/SpawnDialog';
import { StatusTag } from '../components/StatusTag';
import { useNotify } from '../components/toast';
import { AGENT_LIST_EVENTS, metricsByAgent, notChatter, toAgentView, type AgentView, type MetricSeries } from '../lib/agents';

type Row = AgentView & { series: MetricSeries };
import { fmtBytesMb, fmtNumber, fmtUsd, listFrom } from '../lib/fields';
import { useLive } from '../live/live-context';

/**
 * Every agent with its live status, placement, resource use and cost. Status changes
 * refetch the list; CPU and memory come straight from the `agent.metrics` events.
 */
export function AgentsPage() {
  const agents = useResource<unknown>('/api/agents', { refreshOn: AGENT_LIST_EVENTS, filter: notChatter });
  const live = useLive();
  const metrics = metricsByAgent(live.events);
  const { canOperate } = useSession();
  const notify = useNotify();
  const [spawning, setSpawning] = useState(false);

  return (
    <section>
      <PageHeader
        title="Agents"
        subtitle="Long-lived Claude CLI processes on the worker hosts."
        actions={<Button label="Spawn agent" icon="pi pi-plus" onClick={() => setSpawning(true)} disabled={!canOperate || agents.unavailable} data-testid="spawn-open" />}
      />
      <SpawnDialog
        visible={spawning}
        onHide={() => setSpawning(false)}
        onSpawned={(id) => {
          setSpawning(false);
          notify.ok(`Agent ${id} spawned`);
          agents.reload();
        }}
      />
      <div className="nox-card">
        <ResourceGate resource={agents} feature="Agents" endpoint="GET /api/agents">
          {(data) => (
            <DataTable
              // the live samples ride in the row objects: the table re-renders a row only when its data changes
              value={listFrom(data, 'agents').map((row) => {
                const a = toAgentView(row);
                return { ...a, series: metrics.get(a.id) ?? { cpu: [], mem: [] } };
              })}
              dataKey="id"
              size="small"
              stripedRows
              sortField="id"
              sortOrder={1}
              emptyMessage="No agents yet. Spawn one."
              data-testid="agents-table"
              rowClassName={(a: AgentView) => `agent-row agent-${a.id}`}
            >
              <Column field="id" header="Agent" sortable body={(a: AgentView) => <Link to={`/agents/${encodeURIComponent(a.id)}`}>{a.name && a.name !== a.id ? `${a.name} (${a.id})` : a.id}</Link>} />
              <Column
                field="status"
                header="Status"
                sortable
                body={(a: AgentView) => (
                  <span data-testid={`status-${a.id}`}>
                    <StatusTag status={a.status && a.status !== 'unknown' ? a.status : a.reason ? 'never started' : a.status} />
                    {/* why it is not running (a failed start or placement): never just "never started" */}
                    {a.reason && (
                      <small className="agent-reason" data-testid={`reason-${a.id}`} style={{ display: 'block', color: 'var(--text-color-secondary)' }}>
                        {a.reason}
                      </small>
                    )}
                  </span>
                )}
              />
              <Column field="hostId" header="Host" sortable body={(a: AgentView) => (a.hostId ? <code>{a.hostId}</code> : '—')} />
              <Column
                header="CPU"
                body={(a: Row) => {
                  const s = a.series.cpu;
                  return (
                    <span className="nox-actions">
                      <Sparkline values={s} max={100} label={`CPU of ${a.id}`} /> {fmtNumber(s.at(-1) ?? a.cpuPercent, 1)}%
                    </span>
                  );
                }}
              />
              <Column
                header="Memory"
                body={(a: Row) => {
                  const s = a.series.mem;
                  return (
                    <span className="nox-actions">
                      <Sparkline values={s} label={`memory of ${a.id}`} /> {fmtBytesMb(s.at(-1) ?? a.memoryMb)}
                    </span>
                  );
                }}
              />
              <Column field="costUsd" header="Cost" sortable body={(a: AgentView) => fmtUsd(a.costUsd)} />
              <Column field="restarts" header="Restarts" sortable body={(a: AgentView) => fmtNumber(a.restarts)} />
              <Column header="Actions" body={(a: AgentView) => <AgentActions id={a.id} compact />} />
            </DataTable>
          )}
        </ResourceGate>
      </div>
      {agents.unavailable && (
        <p className="nox-muted">
          Meanwhile, <Link to="/hosts">Hosts & queues</Link> shows the worker hosts that will run them.{' '}
          <Button link label="Live events" onClick={() => navigate('/events')} />
        </p>
      )}
    </section>
  );
}
