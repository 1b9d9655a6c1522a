import { Button } from 'primereact/button';
import { InputText } from 'primereact/inputtext';
import { useState, type FormEvent } from 'react';
import { api } from '../api/client';
import { useResource } from '../api/use-resource';
import { Link } from '../app/router';
import { useSession } from '../auth/session';
import { AgentActions } from '../components/AgentActions';
import { AgentChanges } from '../components/AgentChanges';
import { AgentConsole } from '../components/AgentConsole';
import { BudgetTable } from '../components/BudgetTable';
import { DeleteAgentButton } from '../components/DeleteAgentButton';
import { PageHeader } from '../components/PageHeader';
import { ResumeNowButton } from '../components/ResumeNowButton';
import { ErrorNote, NotFoundNote, ResourceGate, Unavailable } from '../components/ResourceGate';
import { Sparkline } from '../components/Sparkline';
import { StatusTag } from '../components/StatusTag';
import { useNotify } from '../components/toast';
import { metricsByAgent, notChatter, toAgentView } from '../lib/agents';
import { useBudgets } from '../lib/budgets';
import { arr, fmtBytesMb, fmtNumber, fmtUsd, listFrom, num, str, type Row } from '../lib/fields';
import { useLive } from '../live/live-context';
import { AgentMcpSection } from './mcp/AgentMcpSection';

/** One agent: status and figures, its live console, metrics charts, its tasks, and a message box. */
export function AgentDetailPage({ params }: { params: Record<string, string> }) {
  const id = params.id ?? '';
  const enc = encodeURIComponent(id);
  const agent = useResource<Row>(`/api/agents/${enc}`, { refreshOn: ['agent.'], filter: (e) => e.agentId === id && notChatter(e) });
  const history = useResource<unknown>(`/api/agents/${enc}/metrics`);
  const tasks = useResource<unknown>(`/api/tasks?agent=${enc}`, { refreshOn: ['task.'] });
  const budgets = useBudgets(`agent=${enc}`);
  const live = useLive();
  const liveSeries = metricsByAgent(live.events).get(id) ?? { cpu: [], mem: [] };
  const samples = listFrom(history.data, 'samples', 'metrics');
  const cpu = [...samples.map((s) => num(s, 'cpuPercent', 'cpu')).filter((v): v is number => v !== undefined), ...liveSeries.cpu].slice(-120);
  const mem = [...samples.map((s) => num(s, 'memoryMb', 'memory')).filter((v): v is number => v !== undefined), ...liveSeries.mem].slice(-120);
  // deleted while the page is open (agent.deleted refetches it): say so instead of showing what it was
  if (agent.data !== undefined && agent.error?.status === 404 && !agent.unavailable) {
    return (
      <section>
        <PageHeader title={`Agent ${id}`} subtitle={<Link to="/agents">← all agents</Link>} />
        <NotFoundNote message={agent.error.message} />
      </section>
    );
  }

  return (
    <section>
      <PageHeader
        title={`Agent ${id}`}
        subtitle={<Link to="/agents">← all agents</Link>}
        actions={
          agent.data && (
            <span className="nox-actions">
              <AgentActions id={id} />
              <DeleteAgentButton id={id} />
            </span>
          )
        }
      />
      <ResourceGate resource={agent} feature="Agents" endpoint="GET /api/agents/:id">
        {(row) => {
          const a = toAgentView((row.agent as Row | undefined) ?? row);
          return (
            <div className="nox-grid">
              <div className="nox-card">
                <h2>Status</h2>
                <div className="nox-stat" data-testid="agent-status">
                  <StatusTag status={a.status} />
                </div>
                <div className="nox-kv">
                  <span>host {a.hostId ?? '—'}</span>
                  <span>model {a.model ?? 'default'}</span>
                  {a.reason && <span>why: {a.reason}</span>}
                  {a.status === 'waiting-approval' && <Link to={`/approvals`}>decide in Approvals →</Link>}
                  {a.status === 'parked' && <ResumeNowButton id={id} />}
                </div>
              </div>
              <div className="nox-card">
                <h2>Cost</h2>
                <div className="nox-stat">{fmtUsd(a.costUsd)}</div>
                <div className="nox-kv">
                  <span>{fmtNumber(num(a.raw, 'runtime.turns', 'turns'))} turns</span>
                  <span>{fmtNumber(a.restarts)} restarts</span>
                </div>
              </div>
              <div className="nox-card">
                <h2>CPU</h2>
                <Sparkline values={cpu} max={100} width={220} height={40} label={`CPU of ${id}`} />
                <div className="nox-kv">{fmtNumber(cpu.at(-1) ?? a.cpuPercent, 1)}%</div>
              </div>
              <div className="nox-card">
                <h2>Memory</h2>
                <Sparkline values={mem} width={220} height={40} label={`memory of ${id}`} />
                <div className="nox-kv">{fmtBytesMb(mem.at(-1) ?? a.memoryMb)}</div>
              </div>
            </div>
          );
        }}
      </ResourceGate>
      {agent.data !== undefined && (
        <div className="nox-card" data-testid="agent-budgets">
          <h2>Budgets its turns fall under</h2>
          <ResourceGate resource={budgets} feature="Budgets" endpoint="GET /api/budgets">
            {(report) => <BudgetTable budgets={report.budgets} testId="agent-budget-table" />}
          </ResourceGate>
        </div>
      )}
      {agent.data !== undefined && (
        <div className="nox-grid-2">
          <div className="nox-card">
            <h2>Console</h2>
            <AgentConsole agentId={id} />
            <TurnBox to={id} />
          </div>
          <div className="nox-card">
            <h2>Tasks</h2>
            {tasks.unavailable ? (
              <Unavailable feature="Tasks" endpoint="GET /api/tasks" />
            ) : tasks.error ? (
              <ErrorNote message={tasks.error.message} />
            ) : (
              <ul className="nox-feed">
                {listFrom(tasks.data, 'tasks').map((t) => (
                  <li key={str(t, 'id')}>
                    <StatusTag status={str(t, 'status')} />
                    <span className="type">{str(t, 'title')}</span>
                    <span className="subject nox-muted">{arr(t, 'dependencies').length ? `depends on ${arr(t, 'dependencies').join(', ')}` : str(t, 'priority')}</span>
                  </li>
                ))}
                {listFrom(tasks.data, 'tasks').length === 0 && <li className="nox-muted">No tasks.</li>}
              </ul>
            )}
          </div>
        </div>
      )}
      {agent.data !== undefined && <AgentMcpSection id={id} />}
      {str(agent.data?.agent ?? agent.data, 'project') && <AgentChanges id={id} />}
    </section>
  );
}

/** A user turn for the agent (POST /api/agents/:id/turn), queued until its current turn ends. */
function TurnBox({ to }: { to: string }) {
  const { canOperate } = useSession();
  const notify = useNotify();
  const [text, setText] = useState('');
  const send = async (e: FormEvent) => {
    e.preventDefault();
    if (!text.trim()) return;
    if (await notify.run(`Turn for ${to}`, () => api.post(`/api/agents/${encodeURIComponent(to)}/turn`, { text }))) setText('');
  };
  return (
    <form className="nox-toolbar" style={{ marginTop: '0.75rem' }} onSubmit={(e) => void send(e)}>
      <label htmlFor="agent-turn" className="nox-muted">
        Say
      </label>
      <InputText id="agent-turn" value={text} onChange={(e) => setText(e.target.value)} style={{ flex: 1, minWidth: 0 }} disabled={!canOperate} placeholder={`a turn for ${to}`} />
      <Button type="submit" icon="pi pi-send" label="Send" disabled={!canOperate || !text.trim()} />
    </form>
  );
}
