import { Button } from 'primereact/button';
import { Column } from 'primereact/column';
import { ConfirmDialog, confirmDialog } from 'primereact/confirmdialog';
import { DataTable } from 'primereact/datatable';
import { ProgressBar } from 'primereact/progressbar';
import { Tag } from 'primereact/tag';
import { useState } from 'react';
import { api } from '../api/client';
import { describeError } from '../api/problem';
import type { Health, HostInfo, PingResult } from '../api/types';
import { useResource } from '../api/use-resource';
import { useSession } from '../auth/session';
import { PageHeader } from '../components/PageHeader';
import { ErrorNote, ResourceGate } from '../components/ResourceGate';
import { useNow } from '../components/use-now';
import { ageText, dateTimeText, fmtNumber } from '../lib/fields';

/**
 * Worker hosts and queues. Host arrivals and departures come as events; heartbeats and
 * queue counts are not events, so those two are re-read every few seconds.
 */
const POLL_MS = 3000;
const STATES = ['waiting', 'prioritized', 'active', 'delayed', 'failed', 'completed', 'paused'] as const;

export function HostsPage() {
  const hosts = useResource<{ hosts: HostInfo[] }>('/api/system/hosts', { refreshOn: ['host.'], pollMs: POLL_MS });
  const health = useResource<Health>('/api/system/health', { refreshOn: ['host.', 'system.pong'], pollMs: POLL_MS });
  const now = useNow(1000);
  const { canOperate } = useSession();
  const [pinging, setPinging] = useState<string>();
  const [ping, setPing] = useState<PingResult>();
  const [pingError, setPingError] = useState<string>();
  const [placementError, setPlacementError] = useState<string>();

  // the list refreshes itself on the `host.cordoned` / `host.uncordoned` / `host.draining` / `host.drained` events
  const placementAction = async (h: HostInfo, verb: 'cordon' | 'uncordon' | 'drain') => {
    setPlacementError(undefined);
    try {
      await api.post(`/api/system/hosts/${encodeURIComponent(h.id)}/${verb}`, {});
    } catch (err) {
      setPlacementError(`${verb[0]!.toUpperCase()}${verb.slice(1)} failed: ${describeError(err)}`);
    }
  };
  const askDrain = (h: HostInfo) =>
    confirmDialog({
      header: `Drain ${h.id}?`,
      message: `No new agent is placed on ${h.id}, and its ${h.running} agent(s) move to other hosts between turns, with their sessions. Uncordon ends the drain.`,
      icon: 'pi pi-exclamation-triangle',
      acceptLabel: 'Drain',
      rejectLabel: 'Cancel',
      defaultFocus: 'reject',
      accept: () => void placementAction(h, 'drain'),
    });

  const doPing = async (hostId?: string) => {
    setPinging(hostId ?? '*');
    setPingError(undefined);
    try {
      setPing(await api.post<PingResult>('/api/system/ping', hostId ? { hostId } : {}));
    } catch (err) {
      setPingError(describeError(err));
    } finally {
      setPinging(undefined);
    }
  };

  return (
    <section>
      <PageHeader
        title="Hosts & queues"
        subtitle="Worker hosts with their heartbeat and capacity, and every queue's job counts."
        actions={
          <>
            <Button
              label="Ping a host"
              icon="pi pi-send"
              onClick={() => void doPing()}
              loading={pinging === '*'}
              disabled={!canOperate || pinging !== undefined}
              tooltip={canOperate ? undefined : 'Needs the operator or admin role'}
              data-testid="ping-any"
            />
            <a className="p-button p-button-outlined p-button-sm" href="/admin/queues" target="_blank" rel="noopener">
              <i className="pi pi-external-link" aria-hidden="true" />&nbsp;Open bull-board
            </a>
          </>
        }
      />
      {pingError && <ErrorNote message={`Ping failed: ${pingError}`} />}
      <ConfirmDialog />
      {placementError && <ErrorNote message={placementError} />}
      {ping && (
        <div className="nox-card" data-testid="ping-result" aria-live="polite" style={{ marginBottom: '1rem' }}>
          <h2>
            Round trip to {ping.hostId} <span className="nox-muted">job {ping.jobId}</span>
          </h2>
          <div className="nox-timings">
            <div>
              queue <strong>{ping.timings.queueMs} ms</strong>
            </div>
            <div>
              handler <strong>{ping.timings.handlerMs} ms</strong>
            </div>
            <div>
              event <strong>{ping.timings.eventMs} ms</strong>
            </div>
            <div>
              total <strong data-testid="ping-total">{ping.timings.totalMs} ms</strong>
            </div>
          </div>
        </div>
      )}

      <div className="nox-card" style={{ marginBottom: '1rem' }}>
        <h2>Hosts</h2>
        <ResourceGate resource={hosts} feature="Hosts" endpoint="GET /api/system/hosts">
          {(data) => (
            <DataTable value={data.hosts} dataKey="id" size="small" stripedRows emptyMessage="No worker host has registered. Start one with `nox worker`." data-testid="hosts-table">
              <Column field="id" header="Host" body={(h: HostInfo) => <code>{h.id}</code>} />
              <Column
                header="State"
                body={(h: HostInfo) => (
                  <span data-testid={`host-state-${h.id}`}>
                    <Tag value={h.alive ? 'alive' : 'down'} severity={h.alive ? 'success' : 'danger'} />
                    {h.cordoned && !h.drain && <Tag value="cordoned" severity="warning" className="ml-1" title="No new agent is placed here; its running agents stay" />}
                    {h.drain === 'draining' && <Tag value="draining" severity="warning" className="ml-1" title="No new agent is placed here; its agents move to other hosts between turns" />}
                    {h.drain === 'drained' && <Tag value="drained" severity="info" className="ml-1" title="No agent left here; Uncordon to place agents here again" />}
                  </span>
                )}
              />
              <Column field="hostname" header="Machine" body={(h: HostInfo) => `${h.hostname} · pid ${h.pid}`} />
              <Column header="Heartbeat" body={(h: HostInfo) => `${ageText(now - Date.parse(h.lastHeartbeat))} ago`} />
              <Column
                header="Capacity"
                body={(h: HostInfo) => (
                  <div style={{ minWidth: '8rem' }}>
                    <ProgressBar value={h.capacity ? Math.round((h.running / h.capacity) * 100) : 0} showValue={false} style={{ height: '0.4rem' }} aria-hidden="true" />
                    <span>
                      {h.running} / {h.capacity} agents
                    </span>
                  </div>
                )}
              />
              <Column header="Agents sandbox" body={(h: HostInfo) => <SandboxTag host={h} />} />
              <Column header="Labels" body={(h: HostInfo) => Object.entries(h.labels).map(([k, v]) => <Tag key={k} value={`${k}=${v}`} severity="secondary" className="mr-1" />)} />
              <Column header="Started" body={(h: HostInfo) => <span title={dateTimeText(h.startedAt)}>{ageText(now - Date.parse(h.startedAt))} ago · v{h.version}</span>} />
              <Column
                header="Placement"
                body={(h: HostInfo) => (
                  <span className="nox-actions">
                    <Button
                      label={h.cordoned ? 'Uncordon' : 'Cordon'}
                      size="small"
                      outlined
                      aria-label={`${h.cordoned ? 'Uncordon' : 'Cordon'} ${h.id}`}
                      disabled={!canOperate}
                      tooltip={canOperate ? undefined : 'Needs the operator or admin role'}
                      onClick={() => void placementAction(h, h.cordoned ? 'uncordon' : 'cordon')}
                    />
                    <Button
                      label="Drain"
                      size="small"
                      outlined
                      severity="warning"
                      aria-label={`Drain ${h.id}`}
                      disabled={!canOperate || !h.alive || h.drain !== undefined}
                      tooltip={canOperate ? 'Move its agents to other hosts between turns' : 'Needs the operator or admin role'}
                      onClick={() => askDrain(h)}
                    />
                  </span>
                )}
              />
              <Column
                header="Ping"
                body={(h: HostInfo) => (
                  <Button
                    icon="pi pi-send"
                    size="small"
                    text
                    aria-label={`Ping ${h.id}`}
                    disabled={!h.alive || !canOperate || pinging !== undefined}
                    loading={pinging === h.id}
                    onClick={() => void doPing(h.id)}
                  />
                )}
              />
            </DataTable>
          )}
        </ResourceGate>
      </div>

      <div className="nox-card">
        <h2>
          Queues {health.data && <span className="nox-muted">Redis {health.data.redis.latencyMs} ms</span>}
        </h2>
        <ResourceGate resource={health} feature="Queues" endpoint="GET /api/system/health">
          {(data) => (
            <DataTable
              value={Object.entries(data.queues).map(([name, counts]) => ({ name, ...counts }))}
              dataKey="name"
              size="small"
              stripedRows
              data-testid="queues-table"
            >
              <Column field="name" header="Queue" body={(q: { name: string }) => <code>{q.name}</code>} />
              {STATES.map((s) => (
                <Column key={s} field={s} header={s} body={(q: Record<string, number>) => fmtNumber(q[s])} />
              ))}
            </DataTable>
          )}
        </ResourceGate>
      </div>
    </section>
  );
}

/** How the host runs its agents (docs/SANDBOX.md), with the agent program's version in the tooltip. */
function SandboxTag({ host }: { host: HostInfo }) {
  const s = host.sandbox;
  if (!s) return <span className="nox-muted">not reported</span>;
  const title = `${s.problem ? `${s.problem}. Fix: ${s.fix}\n` : ''}${s.agentCommand}: ${s.agentCommandVersion}`;
  if (s.mode === 'off') return <Tag value="off (unsandboxed)" severity="danger" title={title} />;
  if (!s.ready) return <Tag value="not working" severity="danger" title={title} />;
  return <Tag value={s.version ?? 'bubblewrap'} severity="success" title={title} />;
}
