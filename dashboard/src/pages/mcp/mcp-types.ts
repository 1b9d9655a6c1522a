import { ERROR_CODE } from '../../../../shared/errors/codes.js';
import { ApiError } from '../../api/problem';

/** What /api/mcp/* answers (api/routes/mcp-routes.ts, api/mcp/image-routes.ts). */
export interface McpService {
  name: string;
  image: string;
  description: string;
  entrypoint?: string[];
  command?: string[];
  agents: string[];
  enabled: Record<string, true>;
  network: 'none' | { internal: string };
  limits: { memory_mb?: number; cpus?: number; pids?: number };
}

export interface McpCatalog {
  services: McpService[];
  invalid: { service: string; message: string }[];
}

export interface InstallRecord {
  approval_id: string;
  name: string;
  entry: { image?: string; agents?: string[] };
  source: { tar: string } | { pull: true } | { present: true };
  requested_by: string;
  status: 'pending' | 'installing' | 'installed' | 'denied' | 'failed';
  created_at: string;
  error?: string;
  warnings?: string[];
}

export interface UploadRecord {
  id: string;
  ref?: string;
  size_bytes: number;
  status: 'uploaded' | 'importing' | 'imported' | 'failed';
  uploaded_by: string;
  created_at: string;
  /** the file and its download token are gone after this */
  expires_at: string;
  images?: string[];
  error?: string;
}

export interface Discovery {
  local: { id: string; tags: string[]; sizeBytes: number; created: number }[];
  remote: { ok: true; results: { name: string; description: string; stars: number; official: boolean }[] } | { ok: false; reason: string };
}

/** One agent's MCP containers as its host last reported them (`agent.mcp-metrics`). */
export interface AgentContainers {
  agentId: string;
  hostId: string;
  containers: number;
  memoryMb: number;
  cpuPercent: number;
  at: string;
}

/**
 * The engine's troubles in words. The API answers them as 503s with a stable code; a page
 * must say "no container engine" or "registry unreachable", never show an empty list.
 */
export function engineTrouble(err: unknown): { title: string; detail: string } | undefined {
  if (!(err instanceof ApiError)) return undefined;
  if (err.code === ERROR_CODE.engineUnavailable) return { title: 'No container engine', detail: `The API cannot reach a container engine, so images cannot be listed or searched here. ${err.message}` };
  if (err.code === ERROR_CODE.mcpRegistryUnreachable) return { title: 'Registry unreachable', detail: err.message };
  return undefined;
}

export const commandText = (s: Pick<McpService, 'entrypoint' | 'command'>): string => [...(s.entrypoint ?? []), ...(s.command ?? [])].join(' ');

export const limitsText = (l: McpService['limits']): string =>
  [l.memory_mb !== undefined ? `${l.memory_mb} MiB` : undefined, l.cpus !== undefined ? `${l.cpus} CPU` : undefined, l.pids !== undefined ? `${l.pids} pids` : undefined].filter(Boolean).join(' · ') || 'defaults';
