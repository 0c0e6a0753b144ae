/**
 * Errors the local Step Functions service answers with. `code` is the AWS error name (`__type` on the wire), so
 * `@aws-sdk/client-sfn` raises the same modelled exception it would raise against AWS.
 */
export type StepFunctionsErrorCode =
  | 'ExecutionAlreadyExists'
  | 'ExecutionDoesNotExist'
  | 'ExecutionNotRedrivable'
  | 'InvalidArn'
  | 'InvalidDefinition'
  | 'InvalidExecutionInput'
  | 'InvalidName'
  | 'InvalidOutput'
  | 'InvalidToken'
  | 'StateMachineDoesNotExist'
  | 'TaskTimedOut'
  | 'UnknownOperationException'
  | 'ValidationException';

/** A request the service refuses; the HTTP layer turns it into `400 {"__type": code, "message": ...}`. */
export class StepFunctionsError extends Error {
  readonly code: StepFunctionsErrorCode;

  constructor(code: StepFunctionsErrorCode, message: string) {
    super(message);
    this.name = code;
    this.code = code;
  }
}

/**
 * An error raised inside an execution. aws-local-stepfunctions matches `Retry`/`Catch` on `name` and uses `message`
 * as the `Cause`, so the name is the ASL error (`Lumos.TransientError`, `States.Timeout`, ...) and the message the
 * cause string AWS would show. `isRetryable`/`isCatchable` are the properties the library reads.
 */
export class StatesError extends Error {
  readonly isRetryable: boolean;
  readonly isCatchable: boolean;

  constructor(error: string, cause: string, options: { retryable?: boolean; catchable?: boolean } = {}) {
    super(cause);
    this.name = error;
    this.isRetryable = options.retryable ?? true;
    this.isCatchable = options.catchable ?? true;
  }
}

/** Raised into work that belongs to an execution that already ended (stopped, timed out, engine shut down). */
export class ExecutionClosedError extends StatesError {
  constructor() {
    super('Lumos.ExecutionClosed', 'The execution already ended; this task result is discarded.', {
      retryable: false,
      catchable: false,
    });
  }
}
