import { Button } from 'primereact/button';
import { Dialog } from 'primereact/dialog';
import { Dropdown } from 'primereact/dropdown';
import { InputText } from 'primereact/inputtext';
import { useEffect, useState, type FormEvent } from 'react';
import { api } from '../../api/client';
import { describeError } from '../../api/problem';
import { Link } from '../../app/router';
import { ErrorNote } from '../../components/ResourceGate';
import type { InstallRecord } from './mcp-types';

/**
 * Ask to install a service (POST /api/mcp/services): an install_mcp approval that a person
 * decides; once approved a host with an engine fetches the image (already there from an
 * upload, or pulled), checks it and records the service. The answer names the approval.
 */
const NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const SOURCES = [
  { label: 'already on the engine (uploaded)', value: 'present' },
  { label: 'pull from its registry', value: 'pull' },
];
const words = (text: string): string[] => text.split(/\s+/).filter(Boolean);

export function InstallDialog({ image: initialImage, visible, onHide }: { image: string; visible: boolean; onHide(): void }) {
  const [name, setName] = useState('');
  const [image, setImage] = useState(initialImage);
  const [agents, setAgents] = useState('');
  const [command, setCommand] = useState('');
  const [description, setDescription] = useState('');
  const [memory, setMemory] = useState('');
  const [source, setSource] = useState<'present' | 'pull'>('present');
  const [error, setError] = useState<string>();
  const [asked, setAsked] = useState<InstallRecord>();
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (visible) {
      setImage(initialImage);
      setAsked(undefined);
      setError(undefined);
    }
  }, [visible, initialImage]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const entry: Record<string, unknown> = { image: image.trim(), agents: words(agents.replace(/,/g, ' ')) };
      if (description.trim()) entry.description = description.trim();
      if (command.trim()) entry.command = words(command);
      if (memory.trim()) entry.limits = { memory_mb: Number(memory) };
      setAsked(await api.post<InstallRecord>('/api/mcp/services', { name, entry, source: { [source]: true } }));
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog header="Install an MCP service" visible={visible} onHide={onHide} style={{ width: 'min(38rem, 95vw)' }} modal>
      {asked ? (
        <div data-testid="mcp-install-asked">
          <p>
            The install of <strong>{asked.name}</strong> waits for approval <code>{asked.approval_id}</code>. Nothing runs until a person approves it.
          </p>
          <Link to="/approvals">Open Approvals →</Link>
        </div>
      ) : (
        <form className="nox-form" onSubmit={(e) => void submit(e)} data-testid="mcp-install-form">
          {error && <ErrorNote message={error} />}
          <div>
            <label htmlFor="mcp-name">Name</label>
            <InputText id="mcp-name" value={name} onChange={(e) => setName(e.target.value.trim())} invalid={name !== '' && !NAME.test(name)} required autoFocus />
          </div>
          <div>
            <label htmlFor="mcp-image">Image</label>
            <InputText id="mcp-image" value={image} onChange={(e) => setImage(e.target.value)} required />
          </div>
          <div>
            <label htmlFor="mcp-source">Image from</label>
            <Dropdown inputId="mcp-source" value={source} options={SOURCES} onChange={(e) => setSource(e.value as 'present' | 'pull')} />
          </div>
          <div>
            <label htmlFor="mcp-agents">Agents that may use it</label>
            <InputText id="mcp-agents" value={agents} onChange={(e) => setAgents(e.target.value)} placeholder="reviewer, triage — or *" required />
          </div>
          <div>
            <label htmlFor="mcp-command">Command (optional)</label>
            <InputText id="mcp-command" value={command} onChange={(e) => setCommand(e.target.value)} placeholder="the image’s own when empty" />
          </div>
          <div>
            <label htmlFor="mcp-description">Description</label>
            <InputText id="mcp-description" value={description} onChange={(e) => setDescription(e.target.value)} />
          </div>
          <div>
            <label htmlFor="mcp-memory">Memory limit, MiB (optional)</label>
            <InputText id="mcp-memory" value={memory} onChange={(e) => setMemory(e.target.value.replace(/\D/g, ''))} inputMode="numeric" />
          </div>
          <div className="nox-actions">
            <Button type="submit" label="Ask for approval" icon="pi pi-shield" loading={busy} disabled={!NAME.test(name) || !image.trim() || !agents.trim()} />
            <Button type="button" label="Cancel" text onClick={onHide} />
          </div>
        </form>
      )}
    </Dialog>
  );
}
