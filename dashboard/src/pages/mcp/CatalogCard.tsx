import { Button } from 'primereact/button';
import { Column } from 'primereact/column';
import { DataTable } from 'primereact/datatable';
import { Dropdown } from 'primereact/dropdown';
import { Tag } from 'primereact/tag';
import { useState } from 'react';
import { api } from '../../api/client';
import { useResource } from '../../api/use-resource';
import { Link } from '../../app/router';
import { useSession } from '../../auth/session';
import { ErrorNote, ResourceGate } from '../../components/ResourceGate';
import { useNotify } from '../../components/toast';
import { listFrom } from '../../lib/fields';
import { commandText, limitsText, type McpCatalog, type McpService } from './mcp-types';

/**
 * The catalog (mcp-services.toml): each service's image, command, limits, the agents that
 * may use it and those that have it on — with enable/disable per agent and remove, for
 * operators. Every change is a registry commit or an `mcp` job whose `mcp.*` / `registry.*`
 * events refresh the table.
 */
const OPERATOR_ONLY = 'Needs the operator or admin role';

export function CatalogCard() {
  const catalog = useResource<McpCatalog>('/api/mcp/services', { refreshOn: ['mcp.', 'registry.'] });
  const agents = useResource<unknown>('/api/agents?limit=200', { refreshOn: ['agent.created', 'agent.deleted'] });
  const agentIds = listFrom(agents.data, 'agents').map((a) => String(a.id));
  return (
    <div className="nox-card nox-mcp-catalog">
      <h2>Catalog</h2>
      <ResourceGate resource={catalog} feature="MCP services" endpoint="GET /api/mcp/services">
        {(data) => (
          <>
            {data.invalid.map((bad) => (
              <ErrorNote key={bad.service} message={`${bad.service}: left out of the catalog — ${bad.message}`} />
            ))}
            <DataTable value={data.services} dataKey="name" size="small" stripedRows emptyMessage="No MCP service is installed. Install one (it goes to an approval), or upload an image first." data-testid="mcp-catalog">
              <Column
                header="Service"
                body={(s: McpService) => (
                  <div data-testid={`mcp-service-${s.name}`}>
                    <strong>{s.name}</strong>
                    <div className="nox-muted">{s.description}</div>
                  </div>
                )}
              />
              <Column header="Image" body={(s: McpService) => <code>{s.image}</code>} />
              <Column header="Command" body={(s: McpService) => (commandText(s) ? <code>{commandText(s)}</code> : <span className="nox-muted">the image’s own</span>)} />
              <Column header="Limits" body={(s: McpService) => limitsText(s.limits)} />
              <Column header="Network" body={(s: McpService) => (s.network === 'none' ? 'none' : `internal ${s.network.internal}`)} />
              <Column header="State" body={() => <Tag value="installed" severity="success" />} />
              <Column header="Agents" body={(s: McpService) => <AgentsCell service={s} knownAgents={agentIds} />} />
              <Column header="" body={(s: McpService) => <RemoveButton service={s.name} />} />
            </DataTable>
          </>
        )}
      </ResourceGate>
    </div>
  );
}

/** Who may use it, who has it on (× turns it off), and "enable for" among the others allowed. */
function AgentsCell({ service, knownAgents }: { service: McpService; knownAgents: string[] }) {
  const { canOperate } = useSession();
  const notify = useNotify();
  const [pick, setPick] = useState<string>();
  const enabled = Object.keys(service.enabled).sort();
  const allowed = service.agents.includes('*') ? knownAgents : service.agents;
  const candidates = allowed.filter((a) => !enabled.includes(a));
  const path = (agent: string) => `/api/agents/${encodeURIComponent(agent)}/mcp/${encodeURIComponent(service.name)}`;
  return (
    <div className="nox-mcp-agents">
      <div className="nox-muted">may use: {service.agents.includes('*') ? 'every agent' : service.agents.join(', ')}</div>
      <div>
        {enabled.length === 0 && <span className="nox-muted">on for nobody</span>}
        {enabled.map((a) => (
          <span key={a} className="nox-mcp-on" data-testid={`mcp-enabled-${service.name}-${a}`}>
            <Tag value={a} severity="info" />
            {canOperate && (
              <Button icon="pi pi-times" text size="small" aria-label={`Disable ${service.name} for ${a}`} onClick={() => void notify.run(`Disable ${service.name} for ${a}`, () => api.delete(path(a)))} />
            )}
          </span>
        ))}
      </div>
      {canOperate && candidates.length > 0 && (
        <div className="nox-toolbar">
          <Dropdown id={`mcp-enable-${service.name}`} value={pick} options={candidates} onChange={(e) => setPick(e.value as string)} placeholder="agent" ariaLabel={`Agent to enable ${service.name} for`} />
          <Button
            label="Enable"
            size="small"
            outlined
            disabled={!pick}
            aria-label={`Enable ${service.name}`}
            onClick={() => pick && void notify.run(`Enable ${service.name} for ${pick} (applies at its next start)`, () => api.post(path(pick), {})).then(() => setPick(undefined))}
          />
        </div>
      )}
    </div>
  );
}

/** Remove (DELETE /api/mcp/services/:name): asked twice, as the API's removal stops running containers. */
function RemoveButton({ service }: { service: string }) {
  const { canOperate } = useSession();
  const notify = useNotify();
  const [confirming, setConfirming] = useState(false);
  if (!confirming) {
    return <Button label="Remove" icon="pi pi-trash" size="small" severity="danger" text disabled={!canOperate} tooltip={canOperate ? undefined : OPERATOR_ONLY} aria-label={`Remove ${service}`} onClick={() => setConfirming(true)} />;
  }
  return (
    <span className="nox-actions" role="group" aria-label={`Confirm removing ${service}`}>
      <span className="nox-muted">Its catalog entry goes and its running containers stop.</span>
      <Button label={`Remove ${service}`} size="small" severity="danger" onClick={() => void notify.run(`Removing ${service}`, () => api.delete(`/api/mcp/services/${encodeURIComponent(service)}`)).then(() => setConfirming(false))} />
      <Button label="Keep" size="small" text onClick={() => setConfirming(false)} />
    </span>
  );
}

/** Installs waiting for a person's decision, with the approval to decide. */
export function PendingInstalls() {
  const open = useResource<{ installs: { approval_id: string; name: string; status: string; entry: { image?: string }; requested_by: string }[] }>('/api/mcp/installs', { refreshOn: ['mcp.', 'approval.'] });
  return (
    <div className="nox-card">
      <h2>Installs waiting</h2>
      <ResourceGate resource={open} feature="MCP installs" endpoint="GET /api/mcp/installs">
        {(data) =>
          data.installs.length === 0 ? (
            <p className="nox-muted">No install waits for approval.</p>
          ) : (
            <ul className="nox-mcp-list" data-testid="mcp-pending">
              {data.installs.map((i) => (
                <li key={i.approval_id} data-testid={`mcp-pending-${i.name}`}>
                  <Tag value={i.status === 'pending' ? 'waiting for approval' : i.status} severity={i.status === 'pending' ? 'warning' : 'info'} />
                  <strong>{i.name}</strong>
                  <code>{i.entry.image}</code>
                  <span className="nox-muted">asked by {i.requested_by}</span>
                  {i.status === 'pending' && (
                    <Link to="/approvals">
                      decide approval <code>{i.approval_id}</code> →
                    </Link>
                  )}
                </li>
              ))}
            </ul>
          )
        }
      </ResourceGate>
    </div>
  );
}
