import { ERROR_CODE } from './codes.js';
import { NoxError } from './nox-error.js';

/**
 * Refusals of the host-credential flow (docs/HOSTS.md, "Joining a host"). A worker host
 * reads the code of a 401 to tell "revoked" or "expired" (stop taking work) from an API that
 * is down (wait and retry).
 */
export type HostCredentialRefusal = typeof ERROR_CODE.hostCredentialInvalid | typeof ERROR_CODE.hostCredentialRevoked | typeof ERROR_CODE.hostCredentialExpired;

/** 401: no valid host credential, or one revoked or expired. */
export class HostCredentialError extends NoxError {
  constructor(code: HostCredentialRefusal, message: string) {
    super(code, message);
  }
}

/** 409: the credential belongs to another host id. */
export class HostCredentialBoundError extends NoxError {
  constructor(credentialId: string, boundTo: string, asked: string) {
    super(ERROR_CODE.hostCredentialBound, `host credential ${credentialId} belongs to host "${boundTo}", not "${asked}"`);
  }
}

/** 403: a host asked for the token of an agent placed elsewhere. */
export class AgentNotOnHostError extends NoxError {
  constructor(agentId: string, hostId: string, owner: string | undefined) {
    super(ERROR_CODE.agentNotOnHost, `agent ${agentId} is not placed on host "${hostId}" (${owner ? `it is on "${owner}"` : 'no host owns it'}): a host gets tokens only for its own agents`);
  }
}
