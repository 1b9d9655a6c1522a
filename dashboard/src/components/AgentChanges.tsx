import { Button } from 'primereact/button';
import { useState } from 'react';
import { api } from '../api/client';
import { useResource } from '../api/use-resource';
import { Link } from '../app/router';
import { useSession } from '../auth/session';
import { DiffView } from './DiffView';
import { ErrorNote } from './ResourceGate';
import { useNotify } from './toast';
import type { AgentChanges as Changes } from '../../../shared/projects/changes-view.js';

/**
 * The Changes tab of a project agent: its branch against the base (commits, files, the
 * worktree's uncommitted edits, conflicts), the diff, and Merge / Push for a pull request —
 * each a `merge` approval (POST /api/agents/:id/merge).
 */
export function AgentChanges({ id }: { id: string }) {
  const { canOperate } = useSession();
  const notify = useNotify();
  const [busy, setBusy] = useState(false);
  const enc = encodeURIComponent(id);
  const changes = useResource<Changes>(`/api/agents/${enc}/changes`, { refreshOn: ['agent.merged', 'agent.merge-', 'agent.status'], filter: (e) => e.agentId === id });
  const c = changes.data;

  const merge = async (mode: 'merge' | 'push') => {
    setBusy(true);
    try {
      const answer = await api.post<{ status: string; approval_id?: string }>(`/api/agents/${enc}/merge`, { mode });
      if (answer.status === 'done') notify.ok(mode === 'merge' ? `Merged ${id} into ${c?.base ?? 'the base'}` : `Pushed ${c?.branch ?? id}`);
      else notify.ok(`The ${mode} of ${id} waits for approval`, answer.approval_id);
      changes.reload();
    } catch (err) {
      notify.fail(`${mode === 'merge' ? 'Merge' : 'Push'} of ${id} failed`, err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="nox-card" data-testid="agent-changes">
      <h2>Changes</h2>
      {changes.error && <ErrorNote message={changes.error.message} />}
      {!c && !changes.error && <p className="nox-muted">Loading…</p>}
      {c && (
        <>
          <div className="nox-kv" data-testid="changes-summary">
            <span>
              <code>{c.branch}</code> → <code>{c.base}</code>
            </span>
            <span>
              {c.ahead} ahead, {c.behind} behind
            </span>
            <span>{c.mergeable ? 'merges cleanly' : `conflicts: ${c.conflicts.join(', ')}`}</span>
            {c.worktree === 'elsewhere' && <span className="nox-muted">worktree on another host: committed work only</span>}
          </div>
          <span className="nox-actions">
            <Button icon="pi pi-check" label="Merge" size="small" disabled={!canOperate || busy || c.ahead === 0 || !c.mergeable} onClick={() => void merge('merge')} data-testid="merge-agent" />
            <Button icon="pi pi-upload" label="Push for a pull request" size="small" outlined disabled={!canOperate || busy || c.ahead === 0} onClick={() => void merge('push')} />
            <Link to="/approvals">approvals →</Link>
          </span>
          <h3>Commits</h3>
          <ul className="nox-feed" data-testid="changes-commits">
            {c.commits.map((k) => (
              <li key={k.sha}>
                <code>{k.sha.slice(0, 12)}</code>
                <span className="type">{k.subject}</span>
                <span className="subject nox-muted">{k.author}</span>
              </li>
            ))}
            {c.commits.length === 0 && <li className="nox-muted">No commits beyond the base.</li>}
          </ul>
          <h3>Files</h3>
          <ul className="nox-feed" data-testid="changes-files">
            {c.files.map((f) => (
              <li key={f.path}>
                <code>{f.status}</code>
                <span className="type">{f.path}</span>
                <span className="subject nox-muted">
                  +{f.additions} −{f.deletions}
                  {c.uncommitted.includes(f.path) ? ' · uncommitted' : ''}
                </span>
              </li>
            ))}
          </ul>
          <DiffView diff={c.diff} />
          {c.diff_truncated && <p className="nox-muted">The diff is cut at 1 MB.</p>}
        </>
      )}
    </div>
  );
}
