import { Button } from 'primereact/button';
import { Column } from 'primereact/column';
import { ConfirmDialog, confirmDialog } from 'primereact/confirmdialog';
import { DataTable } from 'primereact/datatable';
import { InputText } from 'primereact/inputtext';
import { useState } from 'react';
import { api } from '../api/client';
import { useResource } from '../api/use-resource';
import { useSession } from '../auth/session';
import { DiffView } from '../components/DiffView';
import { PageHeader } from '../components/PageHeader';
import { ResourceGate } from '../components/ResourceGate';
import { useNotify } from '../components/toast';
import { arr, dateTimeText, listFrom, str, type Row } from '../lib/fields';

/**
 * The registry's git history (issue 3): every change is a commit naming its actor. Pick
 * one to read its diff; roll back to it — as a new commit that restores that state,
 * never rewriting history — after a confirmation. `registry.commit` events refresh it.
 */
function historyPath(path: string, actor: string): string {
  const q = new URLSearchParams({ limit: '100' });
  if (path) q.set('path', path);
  // the API accepts system, user:<name> or agent:<id>; anything else is still being typed
  if (/^(system|user:[A-Za-z0-9_.@-]{1,64}|agent:[a-z0-9][a-z0-9-]{0,62})$/.test(actor)) q.set('actor', actor);
  return `/api/registry/history?${q}`;
}

export function RegistryPage() {
  const [path, setPath] = useState('');
  const [actor, setActor] = useState('');
  const history = useResource<unknown>(historyPath(path.trim(), actor.trim()), { refreshOn: ['registry.'] });
  const [selected, setSelected] = useState<Row>();
  const sha = str(selected, 'sha');
  const commit = useResource<Row>(sha ? `/api/registry/commits/${sha}` : null);
  const { canOperate } = useSession();
  const notify = useNotify();

  const rollback = (row: Row) => {
    const target = str(row, 'sha') ?? '';
    confirmDialog({
      header: 'Roll back the registry?',
      message: `This restores every file to its state at ${target.slice(0, 10)} (${str(row, 'message') ?? ''}) as a new commit. Later commits stay in the history.`,
      icon: 'pi pi-exclamation-triangle',
      acceptLabel: 'Roll back',
      rejectLabel: 'Cancel',
      acceptClassName: 'p-button-danger',
      defaultFocus: 'reject',
      accept: () => void notify.run(`Rollback to ${target.slice(0, 10)}`, () => api.post('/api/registry/rollback', { sha: target })).then(() => history.reload()),
    });
  };

  return (
    <section>
      <PageHeader title="Registry" subtitle="The history of .nox-registry/: every change is a git commit." />
      <ConfirmDialog />
      <div className="nox-toolbar">
        <label htmlFor="reg-path" className="nox-muted">
          Path
        </label>
        <InputText id="reg-path" value={path} onChange={(e) => setPath(e.target.value)} placeholder="agents.toml, agents/a1/…" />
        <label htmlFor="reg-actor" className="nox-muted">
          Actor
        </label>
        <InputText id="reg-actor" value={actor} onChange={(e) => setActor(e.target.value)} placeholder="user:alice, agent:a1, system" />
      </div>
      <div className="nox-grid-2">
        <div className="nox-card">
          <h2>History</h2>
          <ResourceGate resource={history} feature="Registry history" endpoint="GET /api/registry/history">
            {(data) => (
              <DataTable
                value={listFrom(data, 'commits', 'entries', 'history')}
                paginator={listFrom(data, 'commits', 'entries', 'history').length > 20}
                dataKey="sha"
                size="small"
                selectionMode="single"
                selection={selected ?? null}
                onSelectionChange={(e) => setSelected((e.value as Row | null) ?? undefined)}
                emptyMessage="No commits match."
                data-testid="registry-history"
                rows={20}
              >
                <Column header="Commit" body={(r: Row) => <code>{str(r, 'sha')?.slice(0, 8)}</code>} />
                <Column header="When" body={(r: Row) => dateTimeText(str(r, 'at', 'date'))} />
                <Column header="Who" body={(r: Row) => str(r, 'actor', 'author.name')} />
                <Column header="What" body={(r: Row) => str(r, 'message')} />
                <Column header="Files" body={(r: Row) => arr(r, 'files').length || '—'} />
              </DataTable>
            )}
          </ResourceGate>
        </div>
        <div className="nox-card">
          <h2>
            {sha ? <span>Commit <code>{sha.slice(0, 10)}</code></span> : 'Commit'}
            {selected && (
              <Button label="Roll back to here" icon="pi pi-undo" severity="danger" size="small" outlined disabled={!canOperate} tooltip={canOperate ? undefined : 'Needs the operator or admin role'} onClick={() => rollback(selected)} />
            )}
          </h2>
          {!selected ? (
            <p className="nox-muted">Select a commit to see what it changed.</p>
          ) : (
            <ResourceGate resource={commit} feature="Commit details" endpoint="GET /api/registry/commits/:sha">
              {(c) => (
                <>
                  <p>
                    <strong>{str(c, 'message')}</strong> — {str(c, 'actor')} · {dateTimeText(str(c, 'at'))}
                  </p>
                  {str(c, 'body') && <pre className="nox-json">{str(c, 'body')}</pre>}
                  <DiffView diff={str(c, 'diff') ?? ''} />
                  {c.truncated === true && <p className="nox-muted">The diff was cut at 1 MB.</p>}
                </>
              )}
            </ResourceGate>
          )}
        </div>
      </div>
    </section>
  );
}
