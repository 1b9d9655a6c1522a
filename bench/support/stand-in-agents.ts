/**
 * The message benches' agents: stand-ins (test/fixtures/fake-claude.mjs) on a deployment
 * (nox-deployment.ts) with no limit in the way — the settings for it, and the agents created
 * and started through the API until every one is idle.
 */
import { FAKE_CLAUDE } from '../../test/support/fake-claude.js';
import { FIXTURES_DIR, waitUntil } from '../../test/support/harness.js';
import type { HttpClient } from './http-client.js';

export function standInSettings(agentCount: number): Record<string, unknown> {
  return {
    'rate_limit.max': 10_000_000,
    'events.stream_max_len': 1_000_000,
    'agent.registry_appends': false,
    'agent.command': process.execPath,
    'agent.args': [FAKE_CLAUDE],
    // agents run sandboxed: the stand-in must be readable inside
    'agent.sandbox_read': [FIXTURES_DIR],
    'agent.sampling_interval_ms': 60_000,
    'worker.capacity': agentCount + 4,
    'worker.concurrency': 16,
  };
}

/** Creates and starts `bench-0..n-1`; resolves with their ids once all are idle. */
export async function startStandIns(http: HttpClient, url: string, agentCount: number): Promise<string[]> {
  const agents = Array.from({ length: agentCount }, (_, i) => `bench-${i}`);
  for (const id of agents) {
    const res = await http.send('POST', `${url}/api/agents`, { id, start: true });
    if (res.status !== 201) throw new Error(`creating ${id} answered ${res.status}: ${JSON.stringify(res.body)}`);
  }
  let statuses: (string | undefined)[] = [];
  await waitUntil(async () => {
    const res = await http.send<{ agents: { runtimeStatus?: string }[] }>('GET', `${url}/api/agents`);
    statuses = res.body.agents.map((a) => a.runtimeStatus);
    return statuses.filter((s) => s === 'idle').length === agentCount;
  }, 60_000, 200).catch((err: Error) => {
    throw new Error(`${err.message}: agents ${statuses.join(', ')}`);
  });
  return agents;
}
