import { TransientError } from '../shared/errors';

/**
 * The ITSM tool is throttling or briefly unavailable (429 beyond the wait budget, 5xx, network). Keeps the ASL name
 * `Lumos.TransientError`, so the state machine's Retry runs the step again; the write's idempotency key makes
 * that safe.
 */
export class ItsmUnavailableError extends TransientError {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** The ITSM tool refused the write (4xx): retrying the same request cannot help. */
export class ItsmRejectedError extends Error {
  override readonly name = 'ItsmRejectedError';
  constructor(
    message: string,
    readonly status: number,
    readonly detail?: string,
  ) {
    super(message);
  }
}

/** The credentials are missing, malformed, or the tool rejected them (401/403). */
export class ItsmAuthError extends Error {
  override readonly name = 'ItsmAuthError';
}

/** A request whose outcome is unknown (timeout, reset, 5xx on a non-idempotent call): it may or may not have landed. */
export class AmbiguousWriteError extends Error {
  override readonly name = 'AmbiguousWriteError';
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}
