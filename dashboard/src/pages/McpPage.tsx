import { Button } from 'primereact/button';
import { useState } from 'react';
import { useSession } from '../auth/session';
import { PageHeader } from '../components/PageHeader';
import { CatalogCard, PendingInstalls } from './mcp/CatalogCard';
import { ContainersCard } from './mcp/ContainersCard';
import { DiscoveryCard } from './mcp/DiscoveryCard';
import { InstallDialog } from './mcp/InstallDialog';
import { UploadCard } from './mcp/UploadCard';

/**
 * MCP services (issue 20; docs/DASHBOARD.md): the catalog, installs waiting for approval,
 * running containers with their CPU and memory, finding and uploading images, and the
 * actions operators may take. Everything refreshes from the `mcp.*`, `approval.*` and
 * `agent.mcp-metrics` events; nothing polls.
 */
export function McpPage() {
  const { canOperate } = useSession();
  const [installing, setInstalling] = useState<string>();
  return (
    <section>
      <PageHeader
        title="MCP services"
        subtitle="Tools agents get from containerised MCP servers: what is installed, who has it on, what runs."
        actions={
          <Button label="Install a service" icon="pi pi-plus" onClick={() => setInstalling('')} disabled={!canOperate} tooltip={canOperate ? undefined : 'Needs the operator or admin role'} data-testid="mcp-install" />
        }
      />
      <CatalogCard />
      <div className="nox-grid-2">
        <PendingInstalls />
        <ContainersCard />
      </div>
      <div className="nox-grid-2">
        <DiscoveryCard onPick={setInstalling} />
        <UploadCard onImported={setInstalling} />
      </div>
      <InstallDialog image={installing ?? ''} visible={installing !== undefined} onHide={() => setInstalling(undefined)} />
    </section>
  );
}
