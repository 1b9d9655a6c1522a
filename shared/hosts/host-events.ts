/**
 * Worker hosts' event types on the event stream (docs/ARCHITECTURE.md): a host came up,
 * stopped cleanly, or was found dead by a peer (published once, by the first peer to see it).
 */
export const HOST_EVENT = {
  up: 'host.up',
  stopped: 'host.stopped',
  down: 'host.down',
  /** a person cordoned the host (`data: { by }`): no new placement there */
  cordoned: 'host.cordoned',
  /** a person lifted the cordon (`data: { by }`) */
  uncordoned: 'host.uncordoned',
  /**
   * an admin revoked a host credential (`data: { credentialId, by }`; `hostId` when it was
   * bound): its host stops taking work, the agent tokens minted for it are refused
   */
  credentialRevoked: 'host.credential-revoked',
  /** a person asked the host to drain (`data: { by }`): cordoned, its agents move to other hosts between turns */
  draining: 'host.draining',
  /** the draining host runs no agent any more */
  drained: 'host.drained',
} as const;
