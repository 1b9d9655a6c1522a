import { Button } from 'primereact/button';
import { api } from '../api/client';
import { useSession } from '../auth/session';
import { useNotify } from './toast';

/**
 * "Resume now" for an agent parked by a usage limit (POST /api/agents/:id/unpark): the turn
 * the limit held runs once, now, instead of at the reset. For when the limit was lifted
 * early (a plan raised). The agent's status events show the result; the toast a refusal.
 */
export function ResumeNowButton({ id }: { id: string }) {
  const { canOperate } = useSession();
  const notify = useNotify();
  return (
    <Button
      icon="pi pi-forward"
      label="Resume now"
      size="small"
      outlined
      aria-label={`Resume ${id} now`}
      data-testid="resume-now"
      disabled={!canOperate}
      onClick={() => void notify.run(`Resume ${id} now`, () => api.post(`/api/agents/${encodeURIComponent(id)}/unpark`))}
    />
  );
}
