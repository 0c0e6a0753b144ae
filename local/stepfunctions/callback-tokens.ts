import { randomBytes } from 'node:crypto';
import type { JsonValue } from './definition';
import { StepFunctionsError } from './errors';
import { setLongTimeout } from './long-timeout';

/** How a callback task ended. Never a rejection: the task runner turns each kind into history and a result. */
export type CallbackOutcome =
  | { readonly kind: 'success'; readonly output: JsonValue }
  | { readonly kind: 'failure'; readonly error: string; readonly cause: string }
  | { readonly kind: 'timeout'; readonly error: 'States.Timeout' | 'States.HeartbeatTimeout'; readonly cause: string }
  | { readonly kind: 'cancelled' };

/** What a callback task waits on. */
export interface CallbackWait {
  /** The opaque token that goes to `$$.Task.Token`. */
  readonly token: string;
  /** Settles once: SendTaskSuccess/Failure, a timeout, or the execution ending. */
  readonly outcome: Promise<CallbackOutcome>;
}

/** One attempt of a callback task. */
export interface CallbackTaskOptions {
  readonly executionArn: string;
  readonly stateName: string;
  /** Whole-task limit, counted from the moment the token is minted (before the function is invoked). */
  readonly timeoutSeconds?: number;
  /** Longest allowed silence between the start or the last SendTaskHeartbeat. */
  readonly heartbeatSeconds?: number;
  /** Aborted when the execution ends for any reason; the wait then settles as `cancelled`. */
  readonly signal: AbortSignal;
  /**
   * Continues an attempt that began before a restart: its token stays valid and its TimeoutSeconds still counts
   * from `startedAt` (epoch ms). The heartbeat clock starts afresh, since no worker could heartbeat a stopped service.
   */
  readonly resume?: { readonly token: string; readonly startedAt: number };
  /**
   * Called synchronously as the wait settles (before the waiting task resumes), so the engine can record the
   * outcome durably before SendTaskSuccess/Failure answers.
   */
  readonly onSettled?: (outcome: CallbackOutcome) => void;
}

interface PendingTask {
  readonly options: CallbackTaskOptions;
  settle(outcome: CallbackOutcome): void;
  cancelHeartbeat?: () => void;
  armHeartbeat(): void;
}

/**
 * Issues callback task tokens and completes the tasks waiting on them. A token is valid for exactly one task
 * attempt; once that attempt has ended, every call with it answers TaskTimedOut, as AWS does, and a token this
 * service never issued answers InvalidToken.
 */
export class TaskTokenRegistry {
  private readonly pending = new Map<string, PendingTask>();
  private readonly retired = new Set<string>();

  /** Mints a token for one task attempt and starts its timeout and heartbeat clocks. */
  mint(options: CallbackTaskOptions): CallbackWait {
    const token = options.resume?.token ?? `lumos-local.${randomBytes(48).toString('base64url')}`;
    this.retired.delete(token);
    let resolveOutcome!: (outcome: CallbackOutcome) => void;
    const outcome = new Promise<CallbackOutcome>((resolve) => {
      resolveOutcome = resolve;
    });
    const cleanups: Array<() => void> = [];
    const task: PendingTask = {
      options,
      settle: (result) => {
        if (!this.pending.delete(token)) return;
        this.retired.add(token);
        task.cancelHeartbeat?.();
        for (const cleanup of cleanups) cleanup();
        options.onSettled?.(result);
        resolveOutcome(result);
      },
      armHeartbeat: () => {
        task.cancelHeartbeat?.();
        const seconds = options.heartbeatSeconds;
        if (seconds === undefined) return;
        task.cancelHeartbeat = setLongTimeout(
          () =>
            task.settle({
              kind: 'timeout',
              error: 'States.HeartbeatTimeout',
              cause: `No heartbeat for ${options.stateName} within HeartbeatSeconds (${seconds} s).`,
            }),
          seconds * 1000,
        );
      },
    };
    this.pending.set(token, task);

    if (options.timeoutSeconds !== undefined) {
      const seconds = options.timeoutSeconds;
      const elapsedMs = options.resume ? Math.max(0, Date.now() - options.resume.startedAt) : 0;
      cleanups.push(
        setLongTimeout(
          () =>
            task.settle({
              kind: 'timeout',
              error: 'States.Timeout',
              cause: `${options.stateName} did not complete within TimeoutSeconds (${seconds} s).`,
            }),
          seconds * 1000 - elapsedMs,
        ),
      );
    }
    task.armHeartbeat();
    const onAbort = () => task.settle({ kind: 'cancelled' });
    if (options.signal.aborted) onAbort();
    else {
      options.signal.addEventListener('abort', onAbort, { once: true });
      cleanups.push(() => options.signal.removeEventListener('abort', onAbort));
    }
    return { token, outcome };
  }

  /** SendTaskSuccess: `output` becomes the task result. */
  succeed(token: string, output: JsonValue): void {
    this.take(token).settle({ kind: 'success', output });
  }

  /** SendTaskFailure: the task fails with `error`/`cause`, which Retry and Catch then see. */
  fail(token: string, error: string, cause: string): void {
    this.take(token).settle({ kind: 'failure', error, cause });
  }

  /** SendTaskHeartbeat: restarts the heartbeat clock (the overall timeout keeps running). */
  heartbeat(token: string): void {
    const task = this.pending.get(token);
    if (!task) this.take(token);
    else task.armHeartbeat();
  }

  /** Ends a wait whose task could not go on (its function failed, its Parameters did not resolve). */
  abandon(token: string): void {
    this.pending.get(token)?.settle({ kind: 'cancelled' });
  }

  /** Remembers tokens of tasks that ended before a restart, so they answer TaskTimedOut rather than InvalidToken. */
  retire(tokens: Iterable<string>): void {
    for (const token of tokens) this.retired.add(token);
  }

  /** Whether a token is waiting now (a callback task attempt in progress). */
  isPending(token: string): boolean {
    return this.pending.has(token);
  }

  /** The execution a live token belongs to, if it is still waiting. */
  ownerOf(token: string): string | undefined {
    return this.pending.get(token)?.options.executionArn;
  }

  /** Ends every wait (engine shutdown); pending tasks settle as `cancelled` and their timers stop. */
  close(): void {
    for (const task of [...this.pending.values()]) task.settle({ kind: 'cancelled' });
  }

  private take(token: string): PendingTask {
    const task = this.pending.get(token);
    if (task) return task;
    if (this.retired.has(token)) {
      throw new StepFunctionsError('TaskTimedOut', "Task Timed Out: 'Provided task does not exist anymore'");
    }
    throw new StepFunctionsError('InvalidToken', 'Invalid Token');
  }
}
