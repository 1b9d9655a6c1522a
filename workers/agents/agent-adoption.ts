import { AGENT_EVENT } from '../../shared/agents/agent-events.js';
import { errorFields } from '../../shared/logger.js';
import { isLive } from '../../shared/agents/agent-status.js';
import { readRuntime } from '../../shared/agents/runtime-state.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import type { AgentManager } from './agent-manager.js';
import { isSameProcess } from './proc-info.js';

/**
 * What a (re)started host does about agents a previous host process on this MACHINE left
 * behind. Pids are per machine, so the records are too (keys.machineAgentPids(hostname)):
 * agentId → { pid, startTime, hostId }.
 *
 * For every record whose host is not alive (or is this host): its process, if it is still
 * the same process (pid AND start time, so a reused pid is never hit), is killed with its
 * group — its stdio pipes went with the old host, so it cannot be driven any more — and,
 * if it was running (or was stopped only by its host's clean shutdown), the agent is
 * started again here with `--resume` of its session. The start goes through
 * the owner claim, so an agent some other live host has taken meanwhile is left alone:
 * an agent never runs twice. Records of live hosts (another `nox worker` on this machine)
 * are not touched.
 */
export interface AdoptionReport {
  killed: string[];
  resumed: string[];
  skipped: string[];
}

/** The reason a clean host shutdown stops its agents with: those are resumed by the next host. */
export const HOST_SHUTDOWN_REASON = 'host shutting down';

interface PidRecord {
  pid: number;
  startTime?: number;
  hostId: string;
}

export async function adoptLeftovers(ctx: NoxContext, manager: AgentManager, graceMs: number): Promise<AdoptionReport> {
  const logger = ctx.logger.child({ component: 'agent-adoption', hostId: manager.hostId });
  const key = ctx.keys.machineAgentPids(manager.hostname);
  const records = await ctx.redis.hgetall(key);
  const report: AdoptionReport = { killed: [], resumed: [], skipped: [] };
  for (const [agentId, json] of Object.entries(records)) {
    let rec: PidRecord;
    try {
      rec = JSON.parse(json) as PidRecord;
    } catch {
      await ctx.redis.hdel(key, agentId);
      continue;
    }
    if (manager.get(agentId)) continue;
    if (rec.hostId !== manager.hostId && (await ctx.redis.exists(ctx.keys.hostAlive(rec.hostId))) === 1) {
      report.skipped.push(agentId);
      continue;
    }
    if (isSameProcess(rec.pid, rec.startTime ?? 0)) {
      await killGroup(rec.pid, graceMs);
      report.killed.push(agentId);
      logger.warn('killed a leftover agent process', { agentId, pid: rec.pid, previousHost: rec.hostId });
    }
    await ctx.redis.hdel(key, agentId);
    const runtime = await readRuntime(ctx.redis, ctx.keys, agentId);
    // resume what was running (or stopped only because its host shut down); an agent a
    // person stopped meanwhile, or one that failed, stays stopped
    const wasRunning = isLive(runtime?.status) || (runtime?.status === 'stopped' && runtime.reason === HOST_SHUTDOWN_REASON);
    if (!wasRunning || runtime?.circuitOpen || !(await manager.store.get(agentId))) {
      report.skipped.push(agentId);
      continue;
    }
    try {
      const result = await manager.start(agentId);
      if (result === 'started') report.resumed.push(agentId);
      else report.skipped.push(agentId);
    } catch (err) {
      logger.warn('could not resume an adopted agent', { agentId, ...errorFields(err) });
    }
  }
  if (report.killed.length + report.resumed.length > 0) {
    await ctx.events.publish({ type: AGENT_EVENT.adopted, hostId: manager.hostId, data: report });
  }
  return report;
}

async function killGroup(pid: number, graceMs: number): Promise<void> {
  const send = (sig: NodeJS.Signals): boolean => {
    try {
      process.kill(-pid, sig);
      return true;
    } catch {
      try {
        process.kill(pid, sig);
        return true;
      } catch {
        return false;
      }
    }
  };
  send('SIGTERM');
  send('SIGCONT');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isSameProcess(pid, 0)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  send('SIGKILL');
}
