import { newAgentConfig } from '../../shared/agents/agent-config.js';
import { files } from '../../shared/registry/layout.js';
import { registryClientFor } from '../../shared/registry/registry-client.js';
import type { NoxContext } from '../../shared/runtime/context.js';

/**
 * Puts n agent configs in agents.toml through the registry writer in changes of 500 `set`s
 * (a change's limit), sent together so the writer's group commit joins them, for tests and
 * benches that need a fleet without n API creates. It is the real path every create takes
 * (a change request to the writer), only with many `set`s in each.
 */
const CHUNK = 500;

export function fleetIds(prefix: string, n: number): string[] {
  const width = Math.max(4, String(n).length);
  return Array.from({ length: n }, (_, i) => `${prefix}-${String(i + 1).padStart(width, '0')}`);
}

export async function seedFleet(ctx: NoxContext, prefix: string, n: number, labels: (i: number) => Record<string, string> = () => ({})): Promise<string[]> {
  const ids = fleetIds(prefix, n);
  const at = new Date();
  const chunks = Array.from({ length: Math.ceil(n / CHUNK) }, (_, c) => ids.slice(c * CHUNK, (c + 1) * CHUNK));
  await Promise.all(
    chunks.map((chunk, c) =>
      registryClientFor(ctx).change(
        {
          id: `seed-${prefix}-${n}-${c}-${at.getTime()}`,
          message: `seed ${chunk.length} agents ${chunk[0]}…`,
          // JSON drops the undefined optionals, as agents.toml has no null
          changes: chunk.map((id) => ({ op: 'set' as const, file: files.agents(), key: ['agents', id], value: JSON.parse(JSON.stringify(newAgentConfig({ id, labels: labels(ids.indexOf(id)) }, at))) as unknown })),
        },
        'system',
        { timeoutMs: 120_000 },
      ),
    ),
  );
  return ids;
}
