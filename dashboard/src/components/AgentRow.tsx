import { memo, useSyncExternalStore } from 'react';
import { Link } from '../app/router';
import type { AgentRowStore } from '../lib/agent-rows';
import { fmtBytesMb, fmtNumber, fmtUsd } from '../lib/fields';
import { AgentActions } from './AgentActions';
import { Sparkline } from './Sparkline';
import { StatusTag } from './StatusTag';

const percent = (n: number | undefined): string => (n === undefined ? '—' : `${fmtNumber(n, 1)}%`);

/**
 * One row of the agents table, subscribed to its own agent in the row store: a live event
 * about this agent re-renders this row and nothing else (issue 21).
 */
export const AgentRow = memo(function AgentRow({ id, rows, selected, onSelect }: { id: string; rows: AgentRowStore; selected: boolean; onSelect: (id: string, on: boolean) => void }) {
  const a = useSyncExternalStore(
    (wake) => rows.subscribe(id, wake),
    () => rows.get(id),
  );
  if (!a) return null;
  return (
    <tr className={`agent-row agent-${a.id}`} data-status={a.status}>
      <td>
        <input type="checkbox" aria-label={`select ${a.id}`} checked={selected} onChange={(e) => onSelect(a.id, e.target.checked)} />
      </td>
      <td>
        <Link to={`/agents/${encodeURIComponent(a.id)}`}>{a.name && a.name !== a.id ? `${a.name} (${a.id})` : a.id}</Link>
      </td>
      <td>
        <span data-testid={`status-${a.id}`}>
          <StatusTag status={a.status} />
          {/* why it is not running as asked (a failed start or placement): never just "never started" */}
          {a.reason && (
            <small className="agent-reason" data-testid={`reason-${a.id}`} style={{ display: 'block', color: 'var(--text-color-secondary)' }}>
              {a.reason}
            </small>
          )}
        </span>
      </td>
      <td>{a.hostId ? <code>{a.hostId}</code> : '—'}</td>
      <td>
        <span className="nox-actions">
          <Sparkline values={a.cpu} max={100} label={`CPU of ${a.id}`} /> {percent(a.cpu.at(-1) ?? a.cpuPercent ?? undefined)}
        </span>
      </td>
      <td>
        <span className="nox-actions">
          <Sparkline values={a.mem} label={`memory of ${a.id}`} /> {fmtBytesMb(a.mem.at(-1) ?? a.memoryMb ?? undefined)}
        </span>
      </td>
      <td>{fmtUsd(a.costUsd)}</td>
      <td>{fmtNumber(a.restarts)}</td>
      <td>
        {Object.entries(a.labels).map(([k, v]) => (
          <code key={k} className="nox-label">
            {k}={v}
          </code>
        ))}
      </td>
      <td>
        <AgentActions id={a.id} compact />
      </td>
    </tr>
  );
});
