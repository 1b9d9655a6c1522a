import { NoxError } from './nox-error.js';

/** 404: no approval with this id (never existed, or trimmed from Redis; the registry keeps the history). */
export class ApprovalNotFoundError extends NoxError {
  constructor(id: string) {
    super('nox:approval-not-found', `Approval "${id}" does not exist`, { status: 404, title: 'Not found' });
  }
}

/** 409: the approval was decided already (by a person, policy, or the timeout). */
export class ApprovalAlreadyDecidedError extends NoxError {
  constructor(id: string, status: string, decidedBy: string | undefined) {
    super('nox:approval-already-decided', `Approval "${id}" is already ${status}${decidedBy ? ` by ${decidedBy}` : ''}`, {
      status: 409,
      title: 'Conflict',
      extensions: { approvalStatus: status, decidedBy: decidedBy ?? null },
    });
  }
}

/** 403: an agent may never decide its own request (nor anyone's: deciding is for operators and admins). */
export class OwnApprovalError extends NoxError {
  constructor(id: string) {
    super('nox:approval-own-request', `Approval "${id}" was asked by you; an agent never decides its own request`, { status: 403, title: 'Forbidden' });
  }
}

/** 403: an agent may ask for approvals only for itself. */
export class ApprovalForOtherAgentError extends NoxError {
  constructor(agentId: string) {
    super('nox:approval-other-agent', `An agent may ask for approvals only for itself, not for "${agentId}"`, { status: 403, title: 'Forbidden' });
  }
}

/** 403: the policy denied the act at once (its approval is recorded like any other). */
export class ApprovalDeniedError extends NoxError {
  constructor(id: string, reason: string) {
    super('nox:approval-denied', `Denied (approval ${id}): ${reason}`, { status: 403, title: 'Forbidden', extensions: { approval_id: id, reason } });
  }
}
