import { Button } from 'primereact/button';
import { Dialog } from 'primereact/dialog';
import { InputText } from 'primereact/inputtext';
import { InputTextarea } from 'primereact/inputtextarea';
import { useState, type FormEvent } from 'react';
import { api } from '../api/client';
import { describeError } from '../api/problem';
import { ErrorNote } from './ResourceGate';

/**
 * Spawn = create the agent's config and start it in one call (POST /api/agents with
 * `start: true`): the spawn queue places it on a live host, and its status events make
 * it appear in the table.
 */
const ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

export function SpawnDialog({ visible, onHide, onSpawned }: { visible: boolean; onHide(): void; onSpawned(id: string): void }) {
  const [id, setId] = useState('');
  const [name, setName] = useState('');
  const [model, setModel] = useState('');
  const [prompt, setPrompt] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const idOk = ID_PATTERN.test(id);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!idOk) return;
    setBusy(true);
    setError(undefined);
    try {
      const body: Record<string, unknown> = { id, system_prompt: prompt, start: true };
      if (name) body.name = name;
      if (model) body.model = model;
      await api.post('/api/agents', body);
      onSpawned(id);
      setId('');
      setName('');
      setModel('');
      setPrompt('');
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog header="Spawn an agent" visible={visible} onHide={onHide} style={{ width: 'min(36rem, 95vw)' }} modal>
      <form className="nox-form" onSubmit={(e) => void submit(e)} data-testid="spawn-form">
        {error && <ErrorNote message={error} />}
        <div>
          <label htmlFor="spawn-id">Id</label>
          <InputText id="spawn-id" value={id} onChange={(e) => setId(e.target.value.trim())} invalid={id !== '' && !idOk} aria-describedby="spawn-id-help" required autoFocus />
          <small id="spawn-id-help" className="nox-muted">
            lower-case letters, digits and dashes, e.g. <code>researcher-1</code>
          </small>
        </div>
        <div>
          <label htmlFor="spawn-name">Name</label>
          <InputText id="spawn-name" value={name} onChange={(e) => setName(e.target.value)} placeholder="defaults to the id" />
        </div>
        <div>
          <label htmlFor="spawn-model">Model</label>
          <InputText id="spawn-model" value={model} onChange={(e) => setModel(e.target.value)} placeholder="the CLI's default" />
        </div>
        <div>
          <label htmlFor="spawn-prompt">System prompt</label>
          <InputTextarea id="spawn-prompt" value={prompt} onChange={(e) => setPrompt(e.target.value)} rows={5} autoResize />
        </div>
        <div className="nox-actions">
          <Button type="submit" label="Spawn" icon="pi pi-play" loading={busy} disabled={!idOk} />
          <Button type="button" label="Cancel" outlined onClick={onHide} />
        </div>
      </form>
    </Dialog>
  );
}
