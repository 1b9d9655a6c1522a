import type { NoxConfig } from '../../shared/config/schema.js';
import { errorFields, type Logger } from '../../shared/logger.js';
import { defaultApiUrl } from '../agents/claude-cli/command-line.js';
import { defaultHostId } from '../host-identity.js';
import { hostApi, HostApiError, type JoinAnswer } from './host-api.js';

/**
 * A host with a host credential (`worker.host_token`) joins before it takes any work: the API
 * it reaches (`agent.api_url`, the URL its agents use, as the registry writer published it)
 * says which host id and labels the credential is for. While the API does not answer, the
 * host waits and says so every `registry.wait_log_interval_ms`; a credential the API refuses
 * (unknown, revoked, expired, another host's) ends the start with the API's reason.
 */
export interface JoinOptions {
  /** between attempts while the API does not answer; default 1000 ms */
  retryMs?: number;
}

export async function joinWithCredential(config: NoxConfig, logger: Logger, options: JoinOptions = {}): Promise<JoinAnswer> {
  const credential = config.worker.host_token;
  if (!credential) throw new Error('joinWithCredential needs worker.host_token');
  const api = hostApi(defaultApiUrl(config), credential);
  const retryMs = options.retryMs ?? 1000;
  let lastSaid = 0;
  for (;;) {
    try {
      const joined = await api.join(config.worker.host_id, defaultHostId());
      logger.info('joined with a host credential: agent tokens come from the API; this host holds no signing key', { api: api.url, credentialId: joined.credentialId, hostId: joined.hostId, labels: joined.labels });
      return joined;
    } catch (err) {
      // the API answered no (4xx but a rate limit): asking again would only be refused again
      if (err instanceof HostApiError && err.httpStatus >= 400 && err.httpStatus < 500 && err.httpStatus !== 429) throw err;
      if (Date.now() - lastSaid >= config.registry.wait_log_interval_ms) {
        lastSaid = Date.now();
        logger.warn(`waiting for the API at ${api.url} to admit this host`, errorFields(err));
      }
      await new Promise((r) => setTimeout(r, retryMs));
    }
  }
}
