import { Button } from 'primereact/button';
import { InputText } from 'primereact/inputtext';
import { Message } from 'primereact/message';
import { useState, type FormEvent } from 'react';
import { useResource } from '../../api/use-resource';
import { ErrorNote, Loading } from '../../components/ResourceGate';
import { fmtBytesMb } from '../../lib/fields';
import { engineTrouble, type Discovery } from './mcp-types';

/**
 * Finding an image: the engine's local images matching the term, and its registry search.
 * No engine, or a registry out of reach, is said in words (the API's 503 codes, or
 * `remote.ok: false` with the engine's reason) — never shown as an empty result.
 */
export function DiscoveryCard({ onPick }: { onPick(image: string): void }) {
  const [term, setTerm] = useState('');
  const [asked, setAsked] = useState<string | null>('');
  const found = useResource<Discovery>(asked === null ? null : `/api/mcp/discover?${new URLSearchParams({ q: asked })}`, { refreshOn: ['mcp.image.imported'] });
  const trouble = engineTrouble(found.error);
  const search = (e: FormEvent) => {
    e.preventDefault();
    setAsked(term.trim());
  };
  return (
    <div className="nox-card">
      <h2>Find an image</h2>
      <form className="nox-toolbar" onSubmit={search} role="search">
        <label htmlFor="mcp-discover" className="nox-muted">
          Search
        </label>
        <InputText id="mcp-discover" value={term} onChange={(e) => setTerm(e.target.value)} placeholder="e.g. github or fetch" style={{ flex: 1, minWidth: 0 }} />
        <Button type="submit" icon="pi pi-search" label="Search" />
      </form>
      <div aria-live="polite" data-testid="mcp-discovery">
        {trouble ? (
          <Message severity="warn" className="nox-block-message" data-testid="mcp-engine-trouble" content={<span><strong>{trouble.title}.</strong> {trouble.detail}</span>} />
        ) : found.error ? (
          <ErrorNote message={found.error.message} />
        ) : !found.data ? (
          <Loading label="Asking the engine" />
        ) : (
          <DiscoveryResults data={found.data} onPick={onPick} />
        )}
      </div>
    </div>
  );
}

function DiscoveryResults({ data, onPick }: { data: Discovery; onPick(image: string): void }) {
  const local = data.local.flatMap((i) => i.tags.map((t) => ({ tag: t, size: i.sizeBytes })));
  return (
    <>
      <h3>On the engine</h3>
      {local.length === 0 && <p className="nox-muted">No local image matches.</p>}
      <ul className="nox-mcp-list">
        {local.map((i) => (
          <li key={i.tag}>
            <code>{i.tag}</code>
            <span className="nox-muted">{fmtBytesMb(i.size / 1048576)}</span>
            <Button label="Install…" size="small" text onClick={() => onPick(i.tag)} aria-label={`Install ${i.tag}`} />
          </li>
        ))}
      </ul>
      <h3>In the registry</h3>
      {data.remote.ok ? (
        <ul className="nox-mcp-list">
          {data.remote.results.length === 0 && <li className="nox-muted">The registry has no match.</li>}
          {data.remote.results.map((r) => (
            <li key={r.name}>
              <code>{r.name}</code>
              <span className="nox-muted">{r.description}</span>
              <Button label="Install…" size="small" text onClick={() => onPick(r.name)} aria-label={`Install ${r.name}`} />
            </li>
          ))}
        </ul>
      ) : (
        <Message severity="warn" className="nox-block-message" data-testid="mcp-registry-unreachable" content={<span><strong>Registry unreachable.</strong> {data.remote.reason}</span>} />
      )}
    </>
  );
}
