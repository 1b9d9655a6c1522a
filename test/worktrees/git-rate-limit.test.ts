import { expect } from 'chai';
import { rmSync } from 'node:fs';
import { startAgentStack, type AgentStack } from '../agents/agent-stack.js';
import { personRepo, hostCredential } from './worktree-support.js';

/**
 * A host's git requests to the served mirror count against `rate_limit.git_max` per host
 * credential, not against its address's general limit (docs/CONFIGURATION.md, `[rate_limit]`):
 * a host that makes more git requests than the general limit allows still gets its other
 * calls answered from the same address, and its git requests get 429 past their own limit.
 * A request whose credential does not verify counts against the general limit, as before.
 * (Small limits, counted exactly below 200; a long window, so that none ends mid-test.)
 */
describe('projects: a host’s git requests have a rate limit of their own', function () {
  this.timeout(120_000);
  const GENERAL = 10;
  const GIT = 25;
  let stack: AgentStack;
  let repo: string;
  let credential: string;

  before(async () => {
    stack = await startAgentStack({ hosts: 0, overrides: { 'rate_limit.max': GENERAL, 'rate_limit.git_max': GIT, 'rate_limit.window_ms': 3_600_000 } });
    repo = personRepo();
    await stack.json('POST', '/api/projects', 201, { body: { name: 'rl', repo } });
    await stack.createAgent({ id: 'alpha', project: 'rl' });
    credential = await hostCredential(stack, 'busy');
  });
  after(async () => {
    await stack.cleanup();
    rmSync(repo, { recursive: true, force: true });
  });

  const refs = (bearer: string): Promise<Response> =>
    fetch(`${stack.api.url}/api/projects/rl/agents/alpha/git/info/refs?service=git-receive-pack`, { headers: { authorization: `Bearer ${bearer}` } });
  /** an ordinary call of the host, counted per address: joining */
  const join = (): Promise<Response> =>
    fetch(`${stack.api.url}/api/host/join`, { method: 'POST', headers: { authorization: `Bearer ${credential}`, 'content-type': 'application/json' }, body: '{}' });

  it('more git requests than the general limit leave the address’s other calls answered; past git_max they get 429', async () => {
    for (let i = 0; i < GENERAL + 5; i++) {
      const res = await refs(credential);
      expect(res.status, `git request ${i + 1}`).to.equal(200);
      await res.arrayBuffer();
    }
    expect((await join()).status).to.equal(200);

    const statuses: number[] = [];
    for (let i = GENERAL + 5; i < GIT + 1; i++) {
      const res = await refs(credential);
      statuses.push(res.status);
      if (res.status === 429) {
        const problem = (await res.json()) as { code: string };
        expect(problem.code).to.equal('nox:rate-limited');
        expect(Number(res.headers.get('retry-after'))).to.be.greaterThan(0);
      } else await res.arrayBuffer();
    }
    // requests GENERAL+6 … GIT pass, the one after GIT does not
    expect(statuses).to.deep.equal([...Array(GIT - GENERAL - 5).fill(200), 429]);
    // and still the address's other calls are answered
    expect((await join()).status).to.equal(200);
  });

  it('a git request whose credential does not verify counts against the address’s general limit', async () => {
    const forged = credential.replace(/.{8}$/, '00000000');
    const statuses: number[] = [];
    for (let i = 0; i <= GENERAL; i++) statuses.push((await refs(forged)).status);
    // refused (401) until the address's general limit is used up, whatever used part of it before; 429 after
    const first429 = statuses.indexOf(429);
    expect(first429, statuses.join(' ')).to.be.greaterThan(-1);
    expect(statuses.slice(0, first429).every((s) => s === 401) && statuses.slice(first429).every((s) => s === 429), statuses.join(' ')).to.equal(true);
  });
});
