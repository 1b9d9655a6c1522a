import { expect } from 'chai';
import type { ApprovalRequest } from '../../shared/approvals/approval-request.js';
import { spawnNox } from '../support/processes.js';
import { tokenFor } from '../support/harness.js';
import { until, startApprovalStack, type ApprovalStack } from './approval-stack.js';

describe('nox approvals / approve / deny (CLI against a real API)', function () {
  // each `nox` run is a fresh process compiling TypeScript through tsx: seconds each on a busy machine
  this.timeout(120_000);
  let stack: ApprovalStack;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    stack = await startApprovalStack();
    env = { NOX_API_URL: stack.api.url, NOX_TOKEN: tokenFor('operator', 'carol'), NOX_REGISTRY_DIR: stack.config.registryDir, LOG_LEVEL: 'silent' };
  });
  after(async () => {
    await stack.cleanup();
  });

  const run = async (args: string[], expectCode = 0, extraEnv: NodeJS.ProcessEnv = {}): Promise<string> => {
    const p = spawnNox(args, { ...env, ...extraEnv });
    const { code } = await p.exited();
    expect(code, p.output()).to.equal(expectCode);
    return p.output();
  };
  const ask = async (agentId: string, command: string): Promise<ApprovalRequest> => {
    const body = { request_type: 'tool_use', agent_id: agentId, description: `Bash ${command}`, details: { tool: 'Bash', input: { command } } };
    const created = await stack.json<ApprovalRequest>('POST', '/api/approvals', 202, { role: 'operator', body });
    await until(async () => (await stack.events('approval.requested')).some((e) => (e.data as ApprovalRequest).id === created.id));
    return created;
  };

  it('lists what waits, approves with --remember, denies with --reason', async () => {
    const a = await ask('cli-a', 'git push origin main');
    const b = await ask('cli-b', 'sudo apt-get install jq');

    const listed = await run(['approvals']);
    const lines = listed.trim().split('\n');
    expect(lines[0], 'riskiest first').to.match(new RegExp(`^${b.id}\\tpending\\tcritical\\tcli-b\\ttool_use\\tBash sudo apt-get install jq`));
    expect(lines[1]).to.match(new RegExp(`^${a.id}\\tpending\\thigh\\tcli-a`));

    expect(await run(['approve', a.id, '--reason', 'release day', '--remember'])).to.match(new RegExp(`approved ${a.id}\\nremembered: always allow Bash\\(git push origin main\\) for cli-a`));
    expect(await run(['deny', b.id, '--reason', 'no root'])).to.include(`denied ${b.id}: no root`);

    const decidedA = await stack.json<ApprovalRequest>('GET', `/api/approvals/${a.id}`, 200);
    expect(decidedA).to.include({ status: 'approved', decided_by: 'user:carol', reason: 'release day' });
    expect((await stack.waitHistory(b.id)).reason).to.equal('no root');
    expect(await run(['approvals'])).to.include('nothing waits for a decision');
    const all = await run(['approvals', '--status', 'all', '--json']);
    expect((JSON.parse(all) as { total: number }).total).to.equal(2);
  });

  it('deny without --reason is refused; deciding as a viewer or twice fails with the API’s code', async () => {
    const c = await ask('cli-c', 'rm -rf build');
    expect(await run(['deny', c.id], 1)).to.match(/--reason/);
    expect(await run(['approve', c.id], 1, { NOX_TOKEN: tokenFor('viewer') })).to.include('403 nox:forbidden');
    await run(['approve', c.id]);
    expect(await run(['approve', c.id], 1)).to.include('409 nox:approval-already-decided');
  });
});
