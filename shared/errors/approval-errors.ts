import { ERROR_CODE } from './codes.js';
import { NoxError } from './nox-error.js';

/** 404: no approval with this id (never existed, or trimmed from Redis; the registry keeps the history). */
export class ApprovalNotFoundError extends NoxError {
  constructor(id: string) {
    super(ERROR_CODE.approvalNotFound, `Approval "${id}" does not exist`);
  }
}

/** 409: the approval was decided already (by a person, policy, or the timeout). */
export class ApprovalAlreadyDecidedError extends NoxError {
  constructor(id: string, status: string, decidedBy: string | undefined) {
    super(ERROR_CODE.approvalAlreadyDecided, `Approval "${id}" is already ${status}${decidedBy ? ` by ${decidedBy}` : ''}`, {
      extensions: { approvalStatus: status, decidedBy: decidedBy ?? null },
    });
  }
}

/** 403: an agent may never decide its own request (nor anyone's: deciding is for operators and admins). */
export class OwnApprovalError extends NoxError {
  constructor(id: string) {
    super(ERROR_CODE.approvalOwnRequest, `Approval "${id}" was asked by you; an agent never decides its own request`);
  }
}

/** 403: with `approvals.require_second_person`, the person who asked may not approve: another person must. */
export class SamePersonApprovalError extends NoxError {
  constructor(id: string, person: string) {
    super(ERROR_CODE.approvalSamePerson, `Approval "${id}" was asked by ${person}; approvals.require_second_person wants another person to approve it (you may still deny it)`);
  }
}

/** 403: an agent may ask for approvals only for itself. */
export class ApprovalForOtherAgentError extends NoxError {
  constructor(agentId: string) {
    super(ERROR_CODE.approvalOtherAgent, `An agent may ask for approvals only for itself, not for "${agentId}"`);
  }
}

/** 403: the policy denied the act at once (its approval is recorded like any other). */
export class ApprovalDeniedError extends NoxError {
  constructor(id: string, reason: string) {
    super(ERROR_CODE.approvalDenied, `Denied (approval ${id}): ${reason}`, { extensions: { approval_id: id, reason } });
  }
}
