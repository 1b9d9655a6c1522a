import { Tag } from 'primereact/tag';
import { useMemo } from 'react';
import { useResource } from '../../api/use-resource';
import { Link } from '../../app/router';
import { ErrorNote, Loading } from '../../components/ResourceGate';
import { fmtBytesMb, fmtNumber } from '../../lib/fields';
import { useLive } from '../../live/live-context';
import { latestContainers } from './ContainersCard';

/**
 * An agent's MCP services on its page: which it has on, which it may turn on, and its
 * running service containers with CPU and memory (the host's `agent.mcp-metrics` events).
 * A section of its own, so the agent page keeps one line for it.
 */
interface AgentMcp {
  enabled: string[];
  allowed: string[];
}

export function AgentMcpSection({ id }: { id: string }) {
  const mcp = useResource<AgentMcp>(`/api/agents/${encodeURIComponent(id)}/mcp`, { refreshOn: ['mcp.', 'registry.'] });
  const live = useLive();
  const running = useMemo(() => latestContainers(live.events).find((c) => c.agentId === id), [live.events, id]);
  const services = mcp.data ? [...new Set([...mcp.data.enabled, ...mcp.data.allowed])].sort() : [];
  return (
    <div className="nox-card" data-testid="agent-mcp">
      <h2>
        MCP services <Link to="/mcp">all services →</Link>
      </h2>
      {mcp.error ? (
        <ErrorNote message={mcp.error.message} />
      ) : !mcp.data ? (
        <Loading />
      ) : services.length === 0 ? (
        <p className="nox-muted">No MCP service allows this agent.</p>
      ) : (
        <ul className="nox-mcp-list">
          {services.map((s) => {
            const on = mcp.data?.enabled.includes(s) ?? false;
            return (
              <li key={s} data-testid={`agent-mcp-${s}`}>
                <strong>{s}</strong>
                <Tag value={on ? 'on' : 'off'} severity={on ? 'success' : 'secondary'} title={on ? 'given to the agent at its next start' : 'allowed, not turned on'} />
              </li>
            );
          })}
        </ul>
      )}
      <p className="nox-muted" data-testid="agent-mcp-running">
        {running
          ? `${running.containers} container${running.containers === 1 ? '' : 's'} running on ${running.hostId}: ${fmtNumber(running.cpuPercent, 1)}% CPU, ${fmtBytesMb(running.memoryMb)}`
          : 'No service container running.'}
      </p>
    </div>
  );
}
