import { expect } from 'chai';
import { readRuntime } from '../../shared/agents/runtime-state.js';
import { useCluster } from '../support/cluster.js';
import { tokenFor, waitUntil } from '../support/harness.js';
import { spawnNox } from '../support/processes.js';
import { emptyFolderRunsAgent, SCENARIO_OVERRIDES } from './scenarios.js';

/**
 * The issue's own story (issue 15): the API and the registry writer on machine A (this
 * process, the folder), worker hosts as processes with folders of their own — the
 * registry folder absent — sharing nothing with A but Redis. An agent made through the API
 * with a label lands on the host that carries it and works there; an agent no host can take
 * says why, in its runtime, its event, and `nox agent list`. The first runs under network and
 * mount namespaces too (netns-machines.test.ts).
 */
describe('hosts: a host whose folder is empty runs agents made through the API', function () {
  this.timeout(120_000);
  const cluster = useCluster(SCENARIO_OVERRIDES);

  it('places the agent by label on the host without a registry folder, which starts it and answers its turns', async () => {
    const cl = cluster();
    await cl.startHost('machine-a', { 'worker.labels': { machine: 'a' } });
    const b = await cl.startHost('machine-b', { 'worker.labels': { machine: 'b' } });
    await emptyFolderRunsAgent(cl, b, { machine: 'b' }, 'gamma');
  });

  it('an agent no host can take says why: runtime.reason, an event, `nox agent list` and show', async () => {
    const cl = cluster();
    const { apiCtx, config, json } = cl;
    await json('POST', '/api/agents', 201, { body: { id: 'nowhere', labels: { machine: 'c' }, start: true } });
    await waitUntil(async () => Boolean((await readRuntime(apiCtx.redis, apiCtx.keys, 'nowhere'))?.reason), 20_000);
    const runtime = (await readRuntime(apiCtx.redis, apiCtx.keys, 'nowhere'))!;
    expect(runtime.reason).to.include('no live host with free capacity and labels {"machine":"c"}');
    expect(runtime.reasonCode).to.equal('nox:no-matching-host');
    const shown = await json<{ runtime: { reason: string } }>('GET', '/api/agents/nowhere', 200);
    expect(shown.runtime.reason).to.equal(runtime.reason);

    const events = await cl.events();
    expect(events.some((e) => e.type === 'agent.start-failed' && e.agentId === 'nowhere' && e.data.code === 'nox:no-matching-host')).to.equal(true);

    const list = spawnNox(['agent', 'list'], { NOX_API_URL: cl.apiUrl, NOX_TOKEN: tokenFor('operator'), NOX_REGISTRY_DIR: config.registryDir, LOG_LEVEL: 'silent' });
    const { code } = await list.exited();
    expect(code, list.output()).to.equal(0);
    expect(list.output()).to.match(/^nowhere\tnever-started\t-\t.*no live host with free capacity and labels \{"machine":"c"\}/m);
  });
});
