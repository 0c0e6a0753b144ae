/** What a timer does when it fires; the GovernanceTimer function dispatches on `kind`. */
export type TimerPayload =
  | { kind: 'sla-check'; incidentId: string; clock: 'resolve' | 'no-progress' }
  | { kind: 'approval-tick'; approvalId: string };

export interface TimerRequest {
  /** Deterministic per purpose (`sla-resolve-<incident>`): scheduling the same id again moves that timer. */
  timerId: string;
  dueAt: Date;
  payload: TimerPayload;
}

/**
 * One-time timers that survive restarts: EventBridge Scheduler `at()` schedules in AWS, a persisted timer table
 * locally. Delivery is at least once; handlers are idempotent and re-check state before acting.
 */
export interface Scheduler {
  schedule(timer: TimerRequest): Promise<void>;
  /** Cancelling a timer that does not exist (fired, never set) is not an error. */
  cancel(timerId: string): Promise<void>;
}

/** Timer ids are schedule names in AWS: at most 64 characters of [0-9A-Za-z-_.]. */
export function timerId(...parts: string[]): string {
  const id = parts.join('-').replace(/[^0-9A-Za-z_.-]/g, '_');
  return id.length <= 64 ? id : `${id.slice(0, 47)}-${Buffer.from(id).toString('base64url').slice(-16)}`;
}
