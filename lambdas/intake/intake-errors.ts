import { LumosError } from '../shared/errors';

/**
 * The `Retry-After` of a 503 from intake, in seconds. The failed attempt released its claim, so a retry could come at
 * once; a few seconds give a busy runtime time to drain what it holds first.
 */
export const INTAKE_RETRY_AFTER_SECONDS = 5;

/**
 * 503: the delivery was accepted and archived, but processing it failed for a reason that is not the sender's
 * (a dependency was unavailable). It is recorded as a failed delivery for `bin/replay.ts`, and the sender's own
 * retry (webhooks) or Lambda's (events) takes it over; nothing is lost either way.
 */
export class DeliveryDeferredError extends LumosError {
  override readonly name = 'DeliveryDeferredError';
  override readonly retryAfterSeconds = INTAKE_RETRY_AFTER_SECONDS;
  /** `causes`: what failed, for the logs (the sender gets only `message`). */
  constructor(
    message: string,
    readonly causes: string[] = [],
  ) {
    super(message, 503, 'deferred');
  }
}

/** 503: the raw archive could not store the delivery, so it is not accepted; the sender should retry. */
export class ArchiveUnavailableError extends LumosError {
  override readonly name = 'ArchiveUnavailableError';
  override readonly retryAfterSeconds = INTAKE_RETRY_AFTER_SECONDS;
  constructor(message: string) {
    super(message, 503, 'archive_unavailable');
  }
}
