import { expect } from 'chai';
import { useCluster, type ClusterHost } from '../support/cluster.js';
import { tokenFor, waitUntil } from '../support/harness.js';
import { spawnNox } from '../support/processes.js';
import { drainMovesAnAgent, hostOf, SCENARIO_OVERRIDES, waitRuntime } from './scenarios.js';

/**
 * Drain (issue 15, item 4) with worker hosts as real processes, each with a folder of its
 * own (the registry folder absent), the API and the registry writer on "machine A".
 */
describe('hosts: drain moves agents to other hosts between turns', function () {
  this.timeout(180_000);
  const cluster = useCluster(SCENARIO_OVERRIDES);

  it('moves an agent mid-conversation: the turn in flight ends first, the session continues elsewhere, each message read once', async () => {
    const cl = cluster();
    const a = await cl.startHost('drain-a', { 'worker.labels': { pool: 'x' } });
    let b: ClusterHost | undefined;
    await drainMovesAnAgent(cl, a, async () => (b = await cl.startHost('drain-b', { 'worker.labels': { pool: 'x' } })), 'mover');

    // the CLI shows it too
    const list = spawnNox(['host', 'list'], { NOX_API_URL: cl.apiUrl, NOX_TOKEN: tokenFor('viewer'), NOX_REGISTRY_DIR: cl.config.registryDir, LOG_LEVEL: 'silent' });
    expect((await list.exited()).code, list.output()).to.equal(0);
    expect(list.output()).to.match(new RegExp(`^${a.id}\\talive,drained\\t0/\\d+\\tpool=x$`, 'm'));
    expect(list.output()).to.match(new RegExp(`^${b!.id}\\talive\\t1/\\d+\\tpool=x$`, 'm'));
  });

  it('with nowhere to go, the agent stays and says why; the host stays draining until a host that fits comes', async () => {
    const cl = cluster();
    const c = await cl.startHost('drain-c', { 'worker.labels': { zone: 'c' } });
    await cl.json('POST', '/api/agents', 201, { body: { id: 'stayer', labels: { zone: 'c' }, start: true } });
    await waitRuntime(cl, 'stayer', (r) => r.status === 'idle' && r.hostId === c.id);

    const drain = spawnNox(['host', 'drain', c.id], { NOX_API_URL: cl.apiUrl, NOX_TOKEN: tokenFor('operator'), NOX_REGISTRY_DIR: cl.config.registryDir, LOG_LEVEL: 'silent' });
    expect((await drain.exited()).code, drain.output()).to.equal(0);
    expect(drain.output()).to.equal(`${c.id} draining\n`);
    const stuck = await waitRuntime(cl, 'stayer', (r) => r.reasonCode === 'nox:no-matching-host');
    expect(stuck.reason).to.include(`${c.id} drains, but no other live host has free capacity and the labels {"zone":"c"}`);
    expect(stuck.status).to.equal('idle');
    expect(stuck.hostId).to.equal(c.id);
    const blocked = (await cl.events()).filter((e) => e.type === 'agent.move-blocked' && e.agentId === 'stayer');
    expect(blocked).to.have.length(1);
    expect(blocked[0]!.data.code).to.equal('nox:no-matching-host');
    expect((await cl.json<{ runtime: { reason: string } }>('GET', '/api/agents/stayer', 200)).runtime.reason).to.equal(stuck.reason);
    expect((await hostOf(cl, c.id))?.drain).to.equal('draining');

    // a host that fits arrives: the agent goes there, and the drain completes
    const d = await cl.startHost('drain-d', { 'worker.labels': { zone: 'c' } });
    const moved = await waitRuntime(cl, 'stayer', (r) => r.status === 'idle' && r.hostId === d.id);
    expect(moved.sessionId).to.equal(stuck.sessionId);
    await waitUntil(async () => (await hostOf(cl, c.id))?.drain === 'drained', 20_000);

    // uncordon ends the drain: the host takes agents again
    await cl.json('POST', `/api/system/hosts/${c.id}/uncordon`, 200);
    const after = await hostOf(cl, c.id);
    expect(after?.cordoned).to.equal(false);
    expect(after?.drain).to.equal(undefined);
  });

  it('is idempotent and refuses a viewer (403), an unknown host (404) and a bad id (400)', async () => {
    const cl = cluster();
    const e = await cl.startHost('drain-e');
    const first = await cl.json<{ changed: boolean; state: string }>('POST', `/api/system/hosts/${e.id}/drain`, 200, { role: 'operator' });
    expect(first.changed).to.equal(true);
    await waitUntil(async () => (await hostOf(cl, e.id))?.drain === 'drained', 20_000);
    const again = await cl.json<{ changed: boolean; state: string }>('POST', `/api/system/hosts/${e.id}/drain`, 200, { role: 'admin' });
    expect(again).to.deep.equal({ hostId: e.id, state: 'drained', changed: false });
    expect((await cl.events()).filter((ev) => ev.type === 'host.draining' && ev.hostId === e.id)).to.have.length(1);

    expect((await cl.json<{ code: string }>('POST', `/api/system/hosts/${e.id}/drain`, 403, { role: 'viewer' })).code).to.equal('nox:forbidden');
    expect((await cl.json<{ code: string }>('POST', '/api/system/hosts/no-such-host/drain', 404)).code).to.equal('nox:host-not-found');
    await cl.json('POST', '/api/system/hosts/Bad..Id/drain', 400);
  });
});
