import { rmSync } from 'node:fs';
import { expect } from 'chai';
import { tokenFor, waitUntil } from '../support/harness.js';
import { spawnNox } from '../support/processes.js';
import { limitTheLogin, startAgentStack, type AgentStack } from './agent-stack.js';

/**
 * "Resume now" for a parked agent: `POST /api/agents/:id/unpark` (operators, admins) and
 * `nox agent unpark ID` end a park before its reset — the turn the limit held runs once, at
 * once — and answer 409 `nox:agent-not-parked` for an agent that is not parked. The stand-in
 * CLI refuses turns while its fake-limit.json says the login is limited; removing that file
 * is the limit lifted early (a plan raised), which is when a person resumes.
 */
type Entry = { at: string; kind: string; text?: string };

describe('a parked agent resumes now when a person asks (unpark)', function () {
  this.timeout(60_000);
  let stack: AgentStack;
  before(async () => {
    stack = await startAgentStack({ overrides: { 'agent.failover': false } });
  });
  after(async () => {
    await stack.cleanup();
  });
  const conversation = async (agentId: string): Promise<Entry[]> =>
    (await stack.json<{ entries: Entry[] }>('GET', `/api/agents/${agentId}/conversation?limit=1000`, 200)).entries;

  it('runs the held turn once, now, long before the reset; refuses an agent that is not parked (409) and a viewer (403)', async () => {
    await stack.createAgent({ id: 'unp' });
    await stack.startAgent('unp');
    // the login's limit, for ten minutes
    const limitFile = limitTheLogin(stack.config, 'unp', 600);
    await stack.turn('unp', 'held by the limit');
    const parked = await stack.waitStatus('unp', 'parked');
    expect(Date.parse(parked.resumesAt!) - Date.now(), 'the reset is minutes away').to.be.greaterThan(60_000);

    // a viewer may not; an idle agent is not parked
    expect((await stack.call('POST', '/api/agents/unp/unpark', { role: 'viewer' })).status).to.equal(403);
    await stack.createAgent({ id: 'unp-idle' });
    await stack.startAgent('unp-idle');
    const notParked = await stack.call('POST', '/api/agents/unp-idle/unpark', { role: 'operator' });
    expect(notParked.status).to.equal(409);
    expect(notParked.headers.get('content-type')).to.match(/^application\/problem\+json/);
    expect(await notParked.json()).to.include({ code: 'nox:agent-not-parked', status: 409 });

    // the limit is lifted early; a person resumes the agent from the command line
    rmSync(limitFile);
    const cli = spawnNox(['agent', 'unpark', 'unp'], { NOX_API_URL: stack.api.url, NOX_TOKEN: tokenFor('operator', 'ops'), NOX_REGISTRY_DIR: stack.config.registryDir, LOG_LEVEL: 'silent' });
    expect((await cli.exited()).code, cli.output()).to.equal(0);
    expect(cli.output()).to.match(/^unpark unp: accepted \(host /);

    const idle = await stack.waitStatus('unp', 'idle', 30_000);
    expect(idle.resumesAt ?? '').to.equal('');
    await waitUntil(async () => (await conversation('unp')).filter((e) => e.kind === 'result').length >= 2, 15_000);
    const entries = await conversation('unp');
    expect(entries.filter((e) => e.kind === 'turn').map((t) => t.text!.split('\n').at(-1)), 'the held turn, once').to.deep.equal(['held by the limit', 'held by the limit']);
    expect(entries.filter((e) => e.kind === 'result').map((r) => r.text)[1]).to.equal('echo: held by the limit');
    const unparked = (await stack.events('agent.unparked')).filter((e) => e.agentId === 'unp');
    expect(unparked).to.have.length(1);
    expect(unparked[0]!.data).to.include({ why: 'resumed-now', by: 'user:ops' });

    // nothing is parked any more
    const again = await stack.call('POST', '/api/agents/unp/unpark', { role: 'admin' });
    expect(again.status).to.equal(409);
  });
});
