import { Button } from 'primereact/button';
import { useState } from 'react';
import { api } from '../api/client';
import { useResource } from '../api/use-resource';
import { Link, navigate } from '../app/router';
import { useSession } from '../auth/session';
import { listFrom, str } from '../lib/fields';
import { useNotify } from './toast';

/**
 * Delete an agent (DELETE /api/agents/:id, a delete_agent approval — issue 6). When the
 * policy approves at once the agent is gone (204) and the page goes back to the list;
 * otherwise the deletion waits for a person (202): the button shows that it is pending,
 * with the approval to decide. The pending state comes from the approvals themselves
 * (GET /api/approvals?status=pending&type=delete_agent&agent=…), refreshed by their
 * events, so it is right after a reload and for every person looking at the page.
 */
interface Waiting {
  approval_id?: string;
  status?: string;
}

export function DeleteAgentButton({ id }: { id: string }) {
  const { canOperate } = useSession();
  const notify = useNotify();
  const [busy, setBusy] = useState(false);
  const enc = encodeURIComponent(id);
  const pending = useResource<unknown>(`/api/approvals?status=pending&type=delete_agent&agent=${enc}&limit=1`, {
    refreshOn: ['approval.'],
    filter: (e) => e.agentId === id,
  });
  const waitingFor = str(listFrom(pending.data, 'approvals')[0], 'id');

  if (waitingFor) {
    return (
      <span className="nox-actions" data-testid="delete-pending">
        <Button icon="pi pi-hourglass" label="Deletion pending" size="small" severity="danger" outlined disabled aria-label={`Deletion of ${id} waits for approval ${waitingFor}`} />
        <Link to="/approvals">
          approval <code>{waitingFor}</code> →
        </Link>
      </span>
    );
  }

  const remove = async () => {
    setBusy(true);
    try {
      const answer = await api.delete<Waiting | undefined>(`/api/agents/${enc}`);
      if (answer?.approval_id) {
        notify.ok(`Deletion of ${id} waits for approval`, answer.approval_id);
        pending.reload();
      } else {
        notify.ok(`Agent ${id} deleted`);
        navigate('/agents');
      }
    } catch (err) {
      notify.fail(`Delete ${id} failed`, err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Button
      icon="pi pi-trash"
      label="Delete"
      size="small"
      severity="danger"
      outlined
      aria-label={`Delete ${id}`}
      disabled={!canOperate || busy || pending.unavailable}
      onClick={() => void remove()}
      data-testid="delete-agent"
    />
  );
}
