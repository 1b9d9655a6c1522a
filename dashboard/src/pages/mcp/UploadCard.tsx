import { Button } from 'primereact/button';
import { ProgressBar } from 'primereact/progressbar';
import { Tag } from 'primereact/tag';
import { useRef, useState } from 'react';
import { reportAuthLost } from '../../api/client';
import { ApiError, messageOf, type ProblemDocument } from '../../api/problem';
import { useResource } from '../../api/use-resource';
import { useSession } from '../../auth/session';
import { ErrorNote } from '../../components/ResourceGate';
import { fmtBytesMb, timeText } from '../../lib/fields';
import type { UploadRecord } from './mcp-types';

/**
 * Uploading an image archive (POST /api/mcp/images, the route `nox mcp import` uses), with
 * the bytes sent as a progress bar — fetch cannot report upload progress, XMLHttpRequest
 * can. Then the import by a host with an engine, followed through the `mcp.image.*` events.
 */
function uploadArchive(file: File, ref: string, onProgress: (pct: number) => void): Promise<UploadRecord> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api/mcp/images${ref ? `?${new URLSearchParams({ ref })}` : ''}`);
    xhr.withCredentials = true;
    xhr.setRequestHeader('content-type', 'application/x-tar');
    xhr.setRequestHeader('accept', 'application/json');
    xhr.setRequestHeader('x-nox-request', '1'); // the same-origin proof every cookie-authenticated change carries (api/http/csrf.ts)
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(Math.round((e.loaded / e.total) * 100));
    xhr.onload = () => {
      let body: unknown;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = {};
      }
      if (xhr.status >= 200 && xhr.status < 300) return resolve(body as UploadRecord);
      const problem = body as ProblemDocument;
      const error = new ApiError(xhr.status, problem.code ?? `http:${xhr.status}`, messageOf(problem, xhr.status), problem);
      if (xhr.status === 401) reportAuthLost(error);
      reject(error);
    };
    xhr.onerror = () => reject(new ApiError(0, 'nox:network', 'The upload was cut off (the API closed the connection or cannot be reached)'));
    xhr.send(file);
  });
}

const STATUS_SEVERITY = { uploaded: 'info', importing: 'info', imported: 'success', failed: 'danger' } as const;

export function UploadCard({ onImported }: { onImported(image: string): void }) {
  const { canOperate } = useSession();
  const uploads = useResource<{ uploads: UploadRecord[] }>('/api/mcp/images/uploads', { refreshOn: ['mcp.image.'] });
  const input = useRef<HTMLInputElement>(null);
  const [ref, setRef] = useState('');
  const [progress, setProgress] = useState<number>();
  const [error, setError] = useState<string>();

  const send = async (file: File) => {
    setError(undefined);
    setProgress(0);
    try {
      await uploadArchive(file, ref.trim(), setProgress);
      uploads.reload();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setProgress(undefined);
      if (input.current) input.current.value = '';
    }
  };

  return (
    <div className="nox-card">
      <h2>Upload an image</h2>
      <p className="nox-muted">
        A <code>docker save</code> / <code>podman save</code> archive (plain tar). A host with a container engine imports it; then install it as a service.
      </p>
      <div className="nox-form">
        <div>
          <label htmlFor="mcp-upload-ref">Tag it as (optional)</label>
          <input id="mcp-upload-ref" className="p-inputtext p-component" value={ref} onChange={(e) => setRef(e.target.value)} placeholder="localhost/my-tools:1" disabled={!canOperate} />
        </div>
        <div>
          <label htmlFor="mcp-upload-file">Archive</label>
          <input
            id="mcp-upload-file"
            ref={input}
            type="file"
            accept=".tar,application/x-tar"
            disabled={!canOperate || progress !== undefined}
            onChange={(e) => {
              const file = e.target.files?.[0];
              if (file) void send(file);
            }}
          />
          {!canOperate && <small className="nox-muted">Needs the operator or admin role.</small>}
        </div>
      </div>
      {progress !== undefined && (
        <div data-testid="mcp-upload-progress" aria-live="polite">
          <ProgressBar value={progress} />
          <span className="nox-muted">sending… {progress}%</span>
        </div>
      )}
      {error && <ErrorNote message={`Upload refused: ${error}`} />}
      <ul className="nox-mcp-list" data-testid="mcp-uploads">
        {(uploads.data?.uploads ?? []).map((u) => (
          <li key={u.id} data-testid={`mcp-upload-${u.id}`}>
            <Tag value={u.status} severity={STATUS_SEVERITY[u.status]} />
            <span>{u.images?.length ? <code>{u.images.join(', ')}</code> : <code>{u.ref ?? u.id}</code>}</span>
            <span className="nox-muted">
              {fmtBytesMb(u.size_bytes / 1048576)} · {timeText(u.created_at)} · {u.uploaded_by}
              {u.status === 'uploaded' && (Date.parse(u.expires_at) < Date.now() ? ' · expired: no host with a container engine fetched it in time — upload again' : ' · waiting for a host with a container engine')}
            </span>
            {u.error && <span className="nox-muted">{u.error}</span>}
            {u.status === 'imported' && u.images?.[0] && canOperate && <Button label="Install…" size="small" text onClick={() => onImported(u.images?.[0] as string)} aria-label={`Install ${u.images[0]}`} />}
          </li>
        ))}
      </ul>
    </div>
  );
}
