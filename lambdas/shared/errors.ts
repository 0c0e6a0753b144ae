/**
 * Named domain errors. At the HTTP edge they map to status codes (see http-errors middleware); in the state
 * machine their `name` is the ASL error name that Retry/Catch match.
 */
export class LumosError extends Error {
  /** For a 503 (or 429): how many seconds the caller should wait before retrying, sent as `Retry-After`. */
  readonly retryAfterSeconds?: number;

  constructor(
    message: string,
    readonly statusCode: number,
    readonly code: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** 400: the body is not JSON, or the source's schema rejects it. */
export class BadRequestError extends LumosError {
  override readonly name = 'BadRequestError';
  constructor(message: string, code = 'invalid_body', field?: string) {
    super(message, 400, code, field);
  }
}

/** 401: missing or wrong signature / credentials. */
export class UnauthorizedError extends LumosError {
  override readonly name = 'UnauthorizedError';
  constructor(message: string) {
    super(message, 401, 'unauthorized');
  }
}

/** 404: the resource does not exist. */
export class NotFoundError extends LumosError {
  override readonly name = 'NotFoundError';
  constructor(message: string) {
    super(message, 404, 'not_found');
  }
}

/** 413: the body is larger than the documented limit. */
export class PayloadTooLargeError extends LumosError {
  override readonly name = 'PayloadTooLargeError';
  constructor(limitBytes: number) {
    super(`body exceeds the ${limitBytes}-byte limit`, 413, 'payload_too_large');
  }
}

/**
 * A failure worth retrying (throttling, a dependency briefly unavailable). The state machine's Retry matches the
 * ASL error name `Lumos.TransientError`.
 */
export class TransientError extends Error {
  override readonly name = 'Lumos.TransientError';
}
