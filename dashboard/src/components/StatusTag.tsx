import { Tag } from 'primereact/tag';

type Severity = 'success' | 'info' | 'warning' | 'danger' | 'secondary' | 'contrast' | null;

/** One colour language for statuses across pages (agents, tasks, hosts, approvals). */
const SEVERITY: Record<string, Severity> = {
  idle: 'success',
  alive: 'success',
  ok: 'success',
  done: 'success',
  approved: 'success',
  working: 'info',
  'in-progress': 'info',
  starting: 'info',
  restarting: 'warning',
  'waiting-approval': 'warning',
  parked: 'warning', // a usage limit: resumes by itself at its reset time
  stalled: 'danger', // a turn silent for agent.stall_after_ms: needs a person
  pending: 'warning',
  blocked: 'warning',
  throttled: 'warning',
  degraded: 'warning',
  todo: 'secondary',
  stopping: 'secondary',
  stopped: 'secondary',
  cancelled: 'secondary',
  down: 'danger',
  crashed: 'danger',
  failed: 'danger',
  denied: 'danger',
  'over-budget': 'danger',
  'never-started': 'secondary',
};

export function StatusTag({ status }: { status: string | undefined }) {
  if (!status) return <span className="nox-muted">—</span>;
  return <Tag value={status} severity={SEVERITY[status] ?? null} className="nox-status" />;
}

const RISK: Record<string, Severity> = { low: 'success', medium: 'info', high: 'warning', critical: 'danger' };

export function RiskBadge({ risk }: { risk: string | undefined }) {
  if (!risk) return <span className="nox-muted">—</span>;
  return <Tag value={risk} severity={RISK[risk] ?? null} icon={risk === 'critical' ? 'pi pi-exclamation-triangle' : undefined} className="nox-risk" />;
}
