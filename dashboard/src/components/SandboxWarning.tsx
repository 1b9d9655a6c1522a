import { useResource } from '../api/use-resource';
import type { HostInfo } from '../api/types';
import { Link } from '../app/router';

/**
 * The header's warning while any live host runs agents unsandboxed (`agent.sandbox =
 * "off"`) or cannot sandbox them (docs/SANDBOX.md): an agent runs a model's decisions, so
 * running it with the worker's view of the machine must never go unnoticed. Hosts publish
 * their sandbox a moment after they come up, which no event announces: hence the poll.
 */
const POLL_MS = 15_000;

export function SandboxWarning() {
  const hosts = useResource<{ hosts: HostInfo[] }>('/api/system/hosts', { refreshOn: ['host.'], pollMs: POLL_MS });
  const live = (hosts.data?.hosts ?? []).filter((h) => h.alive && h.sandbox);
  const off = live.filter((h) => h.sandbox?.mode === 'off').map((h) => h.id);
  const broken = live.filter((h) => h.sandbox?.mode !== 'off' && h.sandbox?.ready === false).map((h) => h.id);
  if (off.length === 0 && broken.length === 0) return null;
  const parts = [
    off.length > 0 ? `agents run UNSANDBOXED on ${off.join(', ')}` : '',
    broken.length > 0 ? `agents cannot start (no working sandbox) on ${broken.join(', ')}` : '',
  ].filter(Boolean);
  const detail = live
    .filter((h) => off.includes(h.id) || broken.includes(h.id))
    .map((h) => `${h.id}: ${h.sandbox?.mode === 'off' ? 'agent.sandbox = "off"' : `${h.sandbox?.problem}. Fix: ${h.sandbox?.fix}`}`)
    .join('\n');
  return (
    <Link to="/hosts" className="nox-sandbox-warning" data-testid="sandbox-warning" title={detail} role="alert">
      <i className="pi pi-exclamation-triangle" aria-hidden="true" />
      <span>{parts.join('; ')}</span>
    </Link>
  );
}
