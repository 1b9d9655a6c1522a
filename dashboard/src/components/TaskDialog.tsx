import { Button } from 'primereact/button';
import { Calendar } from 'primereact/calendar';
import { Dialog } from 'primereact/dialog';
import { Dropdown } from 'primereact/dropdown';
import { InputNumber } from 'primereact/inputnumber';
import { InputText } from 'primereact/inputtext';
import { InputTextarea } from 'primereact/inputtextarea';
import { useEffect, useState, type FormEvent } from 'react';
import { api } from '../api/client';
import { describeError } from '../api/problem';
import { num, str, type Row } from '../lib/fields';
import { ErrorNote } from './ResourceGate';

/**
 * Create, edit or delegate a task (issue 5: POST /api/tasks, PATCH /api/tasks/:id,
 * POST /api/tasks/:id/delegate), in the seed's Task field names.
 */
export const TASK_STATUSES = ['pending', 'in_progress', 'blocked', 'done', 'cancelled'] as const;
export const STATUS_LABEL: Record<string, string> = { pending: 'to do', in_progress: 'in progress', blocked: 'blocked', done: 'done', cancelled: 'cancelled' };

/** The API takes a date (YYYY-MM-DD) or an ISO time; a day is what people set. */
function day(d: Date): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}
const PRIORITIES = ['critical', 'high', 'normal', 'low'];

export type TaskDialogMode = { kind: 'create' } | { kind: 'edit'; task: Row } | { kind: 'delegate'; task: Row };

export function TaskDialog({ mode, agents, onHide, onDone }: { mode: TaskDialogMode | undefined; agents: string[]; onHide(): void; onDone(summary: string): void }) {
  const task = mode && mode.kind !== 'create' ? mode.task : undefined;
  const [agent, setAgent] = useState('');
  const [title, setTitle] = useState('');
  const [description, setDescription] = useState('');
  const [priority, setPriority] = useState('normal');
  const [status, setStatus] = useState('pending');
  const [deadline, setDeadline] = useState<Date | null>(null);
  const [budget, setBudget] = useState<number | null>(null);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    setError(undefined);
    setAgent(str(task, 'agent_id', 'agentId') ?? agents[0] ?? '');
    setTitle(str(task, 'title') ?? '');
    setDescription(str(task, 'description') ?? '');
    setPriority(str(task, 'priority') ?? 'normal');
    setStatus(str(task, 'status') ?? 'pending');
    const d = str(task, 'deadline', 'deadline_at');
    setDeadline(d ? new Date(d) : null);
    setBudget(num(task, 'budget_usd') ?? null);
  }, [mode, task, agents]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!mode) return;
    setBusy(true);
    setError(undefined);
    try {
      const id = encodeURIComponent(str(task, 'id') ?? '');
      if (mode.kind === 'create') {
        const body: Record<string, unknown> = { agent_id: agent, title, description, priority };
        if (deadline) body.deadline = day(deadline);
        if (budget) body.budget_usd = budget;
        await api.post('/api/tasks', body);
        onDone(`Task "${title}" created`);
      } else if (mode.kind === 'edit') {
        const body: Record<string, unknown> = { title, description, priority, status };
        body.deadline = deadline ? day(deadline) : null;
        // an emptied budget removes it; an unchanged one is not sent (nothing to change)
        if ((budget ?? null) !== (num(task, 'budget_usd') ?? null)) body.budget_usd = budget || null;
        await api.patch(`/api/tasks/${id}`, body);
        onDone(`Task "${title}" saved`);
      } else {
        await api.post(`/api/tasks/${id}/delegate`, { to: agent });
        onDone(`Task "${title}" delegated to ${agent}`);
      }
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  const header = mode?.kind === 'create' ? 'New task' : mode?.kind === 'edit' ? 'Edit task' : 'Delegate task';
  return (
    <Dialog header={header} visible={mode !== undefined} onHide={onHide} style={{ width: 'min(34rem, 95vw)' }} modal>
      <form className="nox-form" onSubmit={(e) => void submit(e)}>
        {error && <ErrorNote message={error} />}
        {mode?.kind !== 'edit' && (
          <div>
            <label htmlFor="task-agent">{mode?.kind === 'delegate' ? 'Delegate to' : 'Agent'}</label>
            <Dropdown inputId="task-agent" value={agent} options={agents} onChange={(e) => setAgent(e.value as string)} editable placeholder="agent id" />
          </div>
        )}
        {mode?.kind !== 'delegate' && (
          <>
            <div>
              <label htmlFor="task-title">Title</label>
              <InputText id="task-title" value={title} onChange={(e) => setTitle(e.target.value)} required />
            </div>
            <div>
              <label htmlFor="task-description">Description</label>
              <InputTextarea id="task-description" value={description} onChange={(e) => setDescription(e.target.value)} rows={4} autoResize />
            </div>
            <div className="nox-grid" style={{ marginBottom: 0 }}>
              <div>
                <label htmlFor="task-priority">Priority</label>
                <Dropdown inputId="task-priority" value={priority} options={PRIORITIES} onChange={(e) => setPriority(e.value as string)} />
              </div>
              {mode?.kind === 'edit' && (
                <div>
                  <label htmlFor="task-status">Status</label>
                  <Dropdown inputId="task-status" id="task-status-dropdown" value={status} options={TASK_STATUSES.map((s) => ({ label: STATUS_LABEL[s], value: s }))} onChange={(e) => setStatus(e.value as string)} />
                </div>
              )}
              <div>
                <label htmlFor="task-deadline">Deadline</label>
                <Calendar inputId="task-deadline" value={deadline} onChange={(e) => setDeadline((e.value as Date | null) ?? null)} dateFormat="yy-mm-dd" showButtonBar />
              </div>
              <div>
                <label htmlFor="task-budget">Budget (USD)</label>
                <InputNumber inputId="task-budget" value={budget} onValueChange={(e) => setBudget(e.value ?? null)} mode="decimal" minFractionDigits={0} maxFractionDigits={4} min={0} placeholder="none" />
              </div>
            </div>
          </>
        )}
        <div className="nox-actions">
          <Button type="submit" label={mode?.kind === 'delegate' ? 'Delegate' : 'Save'} icon="pi pi-check" loading={busy} disabled={mode?.kind !== 'edit' && !agent} />
          <Button type="button" label="Cancel" outlined onClick={onHide} />
        </div>
      </form>
    </Dialog>
  );
}
