import { credentialState, readHostCredential } from '../../shared/hosts/host-credential.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import { startPeriodic, type PeriodicTask } from '../runtime/periodic-task.js';

/**
 * A host that joined with a host credential checks it every heartbeat interval: once an
 * admin revokes it (or it expires), `onLost` runs — once — with the reason, and the host stops
 * taking work (credential-loss.ts). The API's refusal of an agent token for the same reason
 * calls `lose` at once, without waiting for the next check.
 */
export interface CredentialWatch extends PeriodicTask<void> {
  lose(reason: string): void;
  readonly lost: string | undefined;
}

export function startCredentialWatch(ctx: NoxContext, credentialId: string, onLost: (reason: string) => void): CredentialWatch {
  let lost: string | undefined;
  const lose = (reason: string): void => {
    if (lost !== undefined) return;
    lost = reason;
    task.stop();
    onLost(reason);
  };
  const task = startPeriodic(
    'host credential check',
    ctx.config.worker.heartbeat_interval_ms,
    async () => {
      const record = await readHostCredential(ctx.redis, ctx.keys, credentialId);
      const state = credentialState(record);
      if (state === 'revoked') lose(`host credential ${credentialId} revoked at ${record?.revokedAt} by ${record?.revokedBy ?? '?'}`);
      else if (state === 'expired') lose(record ? `host credential ${credentialId} expired at ${record.expiresAt}` : `host credential ${credentialId} is gone (expired, or never minted here)`);
    },
    ctx.logger.child({ component: 'credential-watch', credentialId }),
  );
  void task.runNow(); // revoked between the join and now: no need to wait a tick
  return {
    get lastError() {
      return task.lastError;
    },
    get lastRunAt() {
      return task.lastRunAt;
    },
    runNow: task.runNow,
    stop: task.stop,
    lose,
    get lost() {
      return lost;
    },
  };
}
