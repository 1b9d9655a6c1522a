import { Column } from 'primereact/column';
import { DataTable } from 'primereact/datatable';
import { useMemo } from 'react';
import { Link } from '../../app/router';
import { fmtBytesMb, fmtNumber, timeText } from '../../lib/fields';
import { useLive } from '../../live/live-context';
import type { AgentContainers } from './mcp-types';

/**
 * Running service containers per agent, with CPU and memory, from the `agent.mcp-metrics`
 * events the worker hosts publish every `mcp.stats_interval_ms` (workers/mcp/stats-reporter.ts).
 * The event feed replays the last minutes on connect, so the table is filled at once; an
 * agent whose latest report has no containers drops out.
 */
export const MCP_METRICS_EVENT = 'agent.mcp-metrics';

export function latestContainers(events: readonly { type: string; hostId?: string; data?: unknown }[]): AgentContainers[] {
  const latest = new Map<string, AgentContainers>();
  // events are newest first: the first report of an agent is its current one
  for (const e of events) {
    if (e.type !== MCP_METRICS_EVENT) continue;
    const data = e.data as { at?: string; agents?: Omit<AgentContainers, 'hostId' | 'at'>[] } | undefined;
    for (const a of data?.agents ?? []) {
      if (!latest.has(a.agentId)) latest.set(a.agentId, { ...a, hostId: e.hostId ?? '', at: data?.at ?? '' });
    }
  }
  return [...latest.values()].filter((a) => a.containers > 0).sort((a, b) => a.agentId.localeCompare(b.agentId));
}

export function ContainersCard() {
  const live = useLive();
  const rows = useMemo(() => latestContainers(live.events), [live.events]);
  return (
    <div className="nox-card">
      <h2>Running containers</h2>
      <DataTable value={rows} dataKey="agentId" size="small" stripedRows emptyMessage="No service container is running (no host reported one in the last minutes)." data-testid="mcp-containers">
        <Column header="Agent" body={(r: AgentContainers) => <Link to={`/agents/${encodeURIComponent(r.agentId)}`}>{r.agentId}</Link>} />
        <Column field="hostId" header="Host" body={(r: AgentContainers) => <code>{r.hostId}</code>} />
        <Column header="Containers" body={(r: AgentContainers) => <span data-testid={`mcp-containers-${r.agentId}`}>{r.containers}</span>} />
        <Column header="CPU" body={(r: AgentContainers) => `${fmtNumber(r.cpuPercent, 1)}%`} />
        <Column header="Memory" body={(r: AgentContainers) => fmtBytesMb(r.memoryMb)} />
        <Column header="Reported" body={(r: AgentContainers) => timeText(r.at)} />
      </DataTable>
    </div>
  );
}
