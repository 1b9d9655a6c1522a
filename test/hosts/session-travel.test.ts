import { useCluster } from '../support/cluster.js';
import { failoverKeepsSessions, SCENARIO_OVERRIDES } from './scenarios.js';

/**
 * Sessions travel (issue 15, item 3): worker hosts as processes, each with its own folder
 * (its registry folder absent, its own CLI config folders), the API and the registry writer
 * on a third "machine". The host running two agents is SIGKILLed mid-turn; the agents fail
 * over to the other host, whose disk never held their sessions: each transcript comes from
 * its Redis mirror, the CLI resumes it (same session id, the earlier turns in it), and the
 * message cut by the kill and one sent while they were down are each read once.
 * The same scenario runs under network and mount namespaces in netns-machines.test.ts.
 */
describe('hosts: agents moved to another machine continue their sessions', function () {
  this.timeout(180_000);
  const cluster = useCluster(SCENARIO_OVERRIDES);

  it('SIGKILL of their host: the agents resume the same sessions on the other machine, each message read once', async () => {
    const cl = cluster();
    const a = await cl.startHost('travel-a');
    await failoverKeepsSessions(cl, a, () => cl.startHost('travel-b'), ['traveler', 'companion']);
  });
});
