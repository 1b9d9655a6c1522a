import { expect } from 'chai';
import { HOST_EVENT } from '../../shared/hosts/host-events.js';
import type { HostInfo } from '../../shared/types.js';
import { startAgentStack, uniqueAgentId, type AgentStack } from './agent-stack.js';

/** Issue 15, item 4: a cordoned host gets no new agent; its running agents stay; uncordon lifts it. */
describe('host cordon: no placement on a cordoned host', () => {
  let stack: AgentStack;
  before(async () => {
    stack = await startAgentStack({ hosts: 2, hostOverrides: { 'worker.capacity': 4 } });
  });
  after(async () => {
    await stack.cleanup();
  });

  const hostsList = async (): Promise<HostInfo[]> => (await stack.json<{ hosts: HostInfo[] }>('GET', '/api/system/hosts', 200)).hosts;

  it('places every new agent on the other host while one is cordoned, and on it again once uncordoned', async () => {
    const [a, b] = stack.hosts as [NonNullable<(typeof stack.hosts)[0]>, NonNullable<(typeof stack.hosts)[0]>];
    const before = uniqueAgentId('before');
    await stack.createAgent({ id: before });
    const first = await stack.startAgent(before);

    // cordon the host the first agent landed on: it keeps running there
    const cordoned = first.hostId === a.id ? a : b;
    const other = cordoned === a ? b : a;
    const r = await stack.json<{ cordoned: boolean; changed: boolean }>('POST', `/api/system/hosts/${cordoned.id}/cordon`, 200, { role: 'operator' });
    expect(r).to.deep.equal({ hostId: cordoned.id, cordoned: true, changed: true });
    expect((await hostsList()).find((h) => h.id === cordoned.id)?.cordoned).to.equal(true);
    expect((await hostsList()).find((h) => h.id === other.id)?.cordoned).to.equal(false);

    for (let i = 0; i < 3; i++) {
      const id = uniqueAgentId('during');
      await stack.createAgent({ id });
      expect((await stack.startAgent(id)).hostId, `agent ${i} placed while ${cordoned.id} is cordoned`).to.equal(other.id);
    }
    expect((await stack.runtime(before))?.hostId).to.equal(cordoned.id);
    expect(cordoned.agents.manager.get(before)).to.not.equal(undefined);

    // cordon the other one too and lift the first: the next agent goes back
    await stack.json('POST', `/api/system/hosts/${other.id}/cordon`, 200);
    await stack.json('POST', `/api/system/hosts/${cordoned.id}/uncordon`, 200);
    const after = uniqueAgentId('after');
    await stack.createAgent({ id: after });
    expect((await stack.startAgent(after)).hostId).to.equal(cordoned.id);

    const types = (await stack.events()).filter((e) => e.type === HOST_EVENT.cordoned || e.type === HOST_EVENT.uncordoned).map((e) => `${e.type} ${e.hostId}`);
    expect(types).to.deep.equal([`${HOST_EVENT.cordoned} ${cordoned.id}`, `${HOST_EVENT.cordoned} ${other.id}`, `${HOST_EVENT.uncordoned} ${cordoned.id}`]);
    await stack.json('POST', `/api/system/hosts/${other.id}/uncordon`, 200);
  });

  it('is idempotent: a second cordon changes nothing and publishes nothing', async () => {
    const id = stack.hosts[0]!.id;
    await stack.json('POST', `/api/system/hosts/${id}/cordon`, 200);
    const count = async (): Promise<number> => (await stack.events(HOST_EVENT.cordoned)).length;
    const n = await count();
    const again = await stack.json<{ changed: boolean }>('POST', `/api/system/hosts/${id}/cordon`, 200);
    expect(again.changed).to.equal(false);
    expect(await count()).to.equal(n);
    await stack.json('POST', `/api/system/hosts/${id}/uncordon`, 200);
  });

  it('refuses a viewer (403), an unknown host (404) and a bad id (400)', async () => {
    const id = stack.hosts[0]!.id;
    const viewer = await stack.json<{ code: string }>('POST', `/api/system/hosts/${id}/cordon`, 403, { role: 'viewer' });
    expect(viewer.code).to.equal('nox:forbidden');
    const unknown = await stack.json<{ code: string }>('POST', '/api/system/hosts/no-such-host/cordon', 404);
    expect(unknown.code).to.equal('nox:host-not-found');
    await stack.json('POST', '/api/system/hosts/Bad..Id/cordon', 400);
    expect((await hostsList()).find((h) => h.id === id)?.cordoned).to.equal(false);
  });
});
