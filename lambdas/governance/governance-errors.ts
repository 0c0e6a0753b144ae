import { LumosError } from '../shared/errors';

/** 403: the caller is known but may not do this (not in the approver group, segregation of duties). */
export class ForbiddenError extends LumosError {
  override readonly name = 'ForbiddenError';
  constructor(message: string, code = 'forbidden') {
    super(message, 403, code);
  }
}

/** 409: the request was already decided, or this link was already used. */
export class ConflictError extends LumosError {
  override readonly name = 'ConflictError';
  constructor(message: string, code = 'conflict') {
    super(message, 409, code);
  }
}

/** 410: the request's window closed (expired, or moved on to another approver group). */
export class GoneError extends LumosError {
  override readonly name = 'GoneError';
  constructor(message: string, code = 'expired') {
    super(message, 410, code);
  }
}

/**
 * The policy refused an action right before it would have run (a freeze began, the domain's autonomy changed).
 * The ASL name routes it to a person.
 */
export class PolicyDeniedError extends Error {
  override readonly name = 'Lumos.PolicyDenied';
}

/** The plan, the approval or the runbook changed after approval; nothing ran. */
export class PlanMismatchError extends Error {
  override readonly name = 'Lumos.PlanMismatch';
}

/** A runbook failed and was rolled back (or could not be); a person must look. */
export class RunbookFailedError extends Error {
  override readonly name = 'Lumos.RunbookFailed';
}
