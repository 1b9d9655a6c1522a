import { Button } from 'primereact/button';
import { Dropdown } from 'primereact/dropdown';
import { useState } from 'react';
import { useResource } from '../api/use-resource';
import { Link } from '../app/router';
import { useSession } from '../auth/session';
import type { BudgetLine } from '../api/types';
import { BudgetMeter } from '../components/BudgetTable';
import { PageHeader } from '../components/PageHeader';
import { ResourceGate } from '../components/ResourceGate';
import { STATUS_LABEL, TASK_STATUSES, TaskDialog, type TaskDialogMode } from '../components/TaskDialog';
import { useNotify } from '../components/toast';
import { toAgentView } from '../lib/agents';
import { useBudgets } from '../lib/budgets';
import { arr, listFrom, str, type Row } from '../lib/fields';

/** Tasks as a board by status, for all agents or one; refreshed by `task.*` events. */
export function TasksPage() {
  const [agent, setAgent] = useState<string | null>(null);
  const tasks = useResource<unknown>(agent ? `/api/tasks?agent=${encodeURIComponent(agent)}` : '/api/tasks', { refreshOn: ['task.'] });
  const agents = useResource<unknown>('/api/agents?view=full&limit=5000', { refreshOn: ['agent.created', 'agent.deleted'] });
  const agentIds = listFrom(agents.data, 'agents').map((a) => toAgentView(a).id);
  // the tasks' budgets, live: what a task spent moves as turns end, which no task event says
  const budgets = useBudgets('scope=task');
  const budgetOf = new Map((budgets.data?.budgets ?? []).map((b) => [b.id, b] as const));
  const { canOperate } = useSession();
  const notify = useNotify();
  const [dialog, setDialog] = useState<TaskDialogMode>();

  return (
    <section>
      <PageHeader
        title="Tasks"
        subtitle="Work owned by agents, by status."
        actions={
          <>
            <label htmlFor="tasks-agent" className="nox-muted">
              Agent
            </label>
            <Dropdown inputId="tasks-agent" value={agent} options={agentIds} onChange={(e) => setAgent((e.value as string) ?? null)} placeholder="all agents" showClear />
            <Button label="New task" icon="pi pi-plus" onClick={() => setDialog({ kind: 'create' })} disabled={!canOperate || tasks.unavailable} />
          </>
        }
      />
      <TaskDialog
        mode={dialog}
        agents={agentIds}
        onHide={() => setDialog(undefined)}
        onDone={(summary) => {
          setDialog(undefined);
          notify.ok(summary);
          tasks.reload();
        }}
      />
      <ResourceGate resource={tasks} feature="Tasks" endpoint="GET /api/tasks">
        {(data) => {
          const rows = listFrom(data, 'tasks');
          return (
            <div className="nox-board" data-testid="task-board">
              {TASK_STATUSES.map((status) => {
                const column = rows.filter((t) => str(t, 'status') === status);
                return (
                  <section key={status} className="nox-column" aria-label={`${STATUS_LABEL[status]} (${column.length})`} data-testid={`column-${status}`}>
                    <h2>
                      {STATUS_LABEL[status]} <span className="nox-muted">{column.length}</span>
                    </h2>
                    {column.map((t) => (
                      <TaskCard key={str(t, 'id')} task={t} budget={budgetOf.get(str(t, 'id') ?? '')} canOperate={canOperate} onEdit={() => setDialog({ kind: 'edit', task: t })} onDelegate={() => setDialog({ kind: 'delegate', task: t })} />
                    ))}
                  </section>
                );
              })}
            </div>
          );
        }}
      </ResourceGate>
    </section>
  );
}

function TaskCard({ task, budget, canOperate, onEdit, onDelegate }: { task: Row; budget: BudgetLine | undefined; canOperate: boolean; onEdit(): void; onDelegate(): void }) {
  const agentId = str(task, 'agent_id', 'agentId');
  const deps = arr(task, 'dependencies');
  return (
    <article className="nox-task">
      <h3>{str(task, 'title') ?? str(task, 'id')}</h3>
      <div className="nox-kv">
        {agentId && <Link to={`/agents/${encodeURIComponent(agentId)}`}>{agentId}</Link>}
        <span>{str(task, 'priority')}</span>
        {str(task, 'deadline', 'deadline_at') && <span>due {str(task, 'deadline', 'deadline_at')}</span>}
        {deps.length > 0 && <span>after {deps.join(', ')}</span>}
      </div>
      {budget && (
        <div className="nox-kv" data-testid={`task-budget-${budget.id}`} data-used={budget.usedUsd} data-limit={budget.limitUsd} data-state={budget.state}>
          <span>budget</span> <BudgetMeter line={budget} />
        </div>
      )}
      {canOperate && (
        <div className="nox-actions" style={{ marginTop: '0.4rem' }}>
          <Button label="Edit" size="small" text onClick={onEdit} />
          <Button label="Delegate" size="small" text onClick={onDelegate} />
        </div>
      )}
    </article>
  );
}
