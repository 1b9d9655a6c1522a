/**
 * Benchmarks, outside `npm test`: `npm run bench -- <name> [args]`. Each prints its
 * figures next to a baseline measured in the same run.
 */
const benches: Record<string, () => Promise<{ run(args: string[]): Promise<void> }>> = {
  agents: () => import('./agents/many-agents.js'),
  api: () => import('./api/api-cost.js'),
  failover: () => import('./failover/failover.js'),
  fleet: () => import('./fleet/fleet-scale.js'),
  messages: () => import('./messages/end-to-end.js'),
  ping: () => import('./ping/round-trip.js'),
  registry: () => import('./registry/commit-rate.js'),
  'remote-reads': () => import('./registry/remote-reads.js'),
  risk: () => import('./approvals/risk-classifier.js'),
  'served-git': () => import('./worktrees/served-git.js'),
  startup: () => import('./startup/nox-up.js'),
};

const [name, ...args] = process.argv.slice(2);
const load = name ? benches[name] : undefined;
if (!load) {
  process.stderr.write(`usage: npm run bench -- <${Object.keys(benches).join('|')}> [args]\n`);
  process.exit(2);
}
process.env.LOG_LEVEL ??= 'silent';
(await load()).run(args).then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
