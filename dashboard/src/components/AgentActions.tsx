import { Button } from 'primereact/button';
import { api } from '../api/client';
import { useSession } from '../auth/session';
import { useNotify } from './toast';

/**
 * start / stop / restart / interrupt (issue 4: POST /api/agents/:id/<action>). The
 * result shows up through the agent's status events; the toast reports a refusal.
 */
const ACTIONS = [
  { action: 'start', icon: 'pi pi-play', label: 'Start' },
  { action: 'stop', icon: 'pi pi-stop', label: 'Stop' },
  { action: 'restart', icon: 'pi pi-refresh', label: 'Restart' },
  { action: 'interrupt', icon: 'pi pi-ban', label: 'Interrupt' },
] as const;

export function AgentActions({ id, compact = false }: { id: string; compact?: boolean }) {
  const { canOperate } = useSession();
  const notify = useNotify();
  return (
    <span className="nox-actions" role="group" aria-label={`Actions for ${id}`}>
      {ACTIONS.map((a) => (
        <Button
          key={a.action}
          icon={a.icon}
          label={compact ? undefined : a.label}
          size="small"
          text={compact}
          outlined={!compact}
          aria-label={`${a.label} ${id}`}
          tooltip={compact ? a.label : undefined}
          tooltipOptions={{ position: 'top' }}
          disabled={!canOperate}
          onClick={() => void notify.run(`${a.label} ${id}`, () => api.post(`/api/agents/${encodeURIComponent(id)}/${a.action}`))}
        />
      ))}
    </span>
  );
}
