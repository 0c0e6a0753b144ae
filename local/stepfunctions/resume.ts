import type { JsonObject, JsonValue } from './definition';
import type { HistoryEventRecord } from './history';

/** Where an execution picks up after a restart or a redrive, read from its recorded history. */
export type ResumePoint =
  /** Enter `stateName` again with `input` (the state's recorded input, before its InputPath). */
  | {
      readonly kind: 'state';
      readonly stateName: string;
      readonly input: JsonValue;
      /** When the state was first entered: `$$.State.EnteredTime`, and the start of a Wait state's deadline. */
      readonly enteredAt: string;
      /** Whether the state's StateEntered event is already in the history (then it is not recorded again). */
      readonly alreadyEntered: boolean;
      /** How far the state's Task got before the interruption, if it is a Task. */
      readonly task?: TaskProgress;
    }
  /** The last state had ended the execution's work; only the closing event was missing. */
  | { readonly kind: 'succeeded'; readonly output: JsonValue };

/** What the history says about the last attempt of a Task state that was interrupted. */
export type TaskProgress =
  /** The task's result was recorded: the state completes with it, nothing runs again. */
  | { readonly kind: 'succeeded'; readonly output: JsonValue }
  /** A callback attempt was scheduled with this token; `submitted` once its function had returned. */
  | {
      readonly kind: 'callback';
      readonly token: string;
      readonly scheduledAt: string;
      readonly submitted: boolean;
      readonly timeoutSeconds?: number;
      readonly heartbeatSeconds?: number;
    };

/** The states of a definition's top level, the granularity at which executions resume. */
export interface TopLevelStates {
  readonly States: Record<string, JsonObject>;
}

const detailsOf = (event: HistoryEventRecord, key: string): Record<string, unknown> =>
  (event[key] as Record<string, unknown> | undefined) ?? {};

const parse = (text: unknown): JsonValue => (typeof text === 'string' ? (JSON.parse(text) as JsonValue) : null);

/**
 * Finds where an interrupted execution resumes: the last top-level state that was entered and did not exit is
 * entered again with its recorded input. If the last top-level state had exited, the execution continues at its
 * `Next` with its output (a Choice is evaluated again instead, since its choice is not recorded; a state with
 * `End` means only the closing event was missing). A Parallel or Map state resumes as a whole: its branches run
 * again. Returns undefined when the history has no state to resume from (the execution starts from the top).
 */
export function resumePointOf(
  history: readonly HistoryEventRecord[],
  definition: TopLevelStates,
  taskTokens: readonly string[],
): ResumePoint | undefined {
  let entered: { index: number; name: string; input: JsonValue; at: string } | undefined;
  let exited: { name: string; output: JsonValue; enteredInput: JsonValue; enteredAt: string } | undefined;
  history.forEach((event, index) => {
    if (event.type.endsWith('StateEntered')) {
      const { name, input } = detailsOf(event, 'stateEnteredEventDetails') as { name?: string; input?: string };
      if (name !== undefined && Object.hasOwn(definition.States, name)) {
        entered = { index, name, input: parse(input), at: event.timestamp };
        exited = undefined;
      }
    } else if (event.type.endsWith('StateExited')) {
      const { name, output } = detailsOf(event, 'stateExitedEventDetails') as { name?: string; output?: string };
      if (entered && name === entered.name) {
        exited = { name, output: parse(output), enteredInput: entered.input, enteredAt: entered.at };
        entered = undefined;
      }
    }
  });

  if (exited) {
    const state = definition.States[exited.name]!;
    if (state.Type !== 'Choice' && typeof state.Next === 'string') {
      return {
        kind: 'state',
        stateName: state.Next,
        input: exited.output,
        enteredAt: new Date().toISOString(),
        alreadyEntered: false,
      };
    }
    if (state.End === true || state.Type === 'Succeed') return { kind: 'succeeded', output: exited.output };
    return {
      kind: 'state',
      stateName: exited.name,
      input: exited.enteredInput,
      enteredAt: exited.enteredAt,
      alreadyEntered: true,
    };
  }
  if (!entered) return undefined;
  const state = definition.States[entered.name]!;
  const task = state.Type === 'Task' ? taskProgress(history.slice(entered.index + 1), taskTokens) : undefined;
  return {
    kind: 'state',
    stateName: entered.name,
    input: entered.input,
    enteredAt: entered.at,
    alreadyEntered: true,
    ...(task ? { task } : {}),
  };
}

const SCHEDULED = new Set(['TaskScheduled', 'LambdaFunctionScheduled']);
const SUCCEEDED = new Set(['TaskSucceeded', 'LambdaFunctionSucceeded']);
const ENDED = new Set([
  'TaskFailed',
  'TaskTimedOut',
  'LambdaFunctionFailed',
  'LambdaFunctionTimedOut',
  'LambdaFunctionScheduleFailed',
  'LambdaFunctionStartFailed',
]);
const TOKEN = /lumos-local\.[A-Za-z0-9_-]+/g;

/** The last attempt of a top-level Task, from the events after its StateEntered. */
function taskProgress(events: readonly HistoryEventRecord[], taskTokens: readonly string[]): TaskProgress | undefined {
  const lastScheduled = events.findLastIndex((event) => SCHEDULED.has(event.type));
  if (lastScheduled < 0) return undefined;
  const attempt = events.slice(lastScheduled);
  const succeeded = attempt.find((event) => SUCCEEDED.has(event.type));
  if (succeeded) {
    const details = detailsOf(
      succeeded,
      succeeded.type === 'TaskSucceeded' ? 'taskSucceededEventDetails' : 'lambdaFunctionSucceededEventDetails',
    );
    return { kind: 'succeeded', output: parse(details.output) };
  }
  // A failed attempt is simply run again: its Retry/Catch had not been applied when the process stopped.
  if (attempt.some((event) => ENDED.has(event.type))) return undefined;
  const scheduled = attempt[0]!;
  const details = detailsOf(scheduled, 'taskScheduledEventDetails');
  if (details.resource !== 'invoke.waitForTaskToken') return undefined;
  // The token is wherever the definition put `$$.Task.Token` in the Parameters; it must be one this execution got.
  const known = new Set(taskTokens);
  const token = String(details.parameters ?? '')
    .match(TOKEN)
    ?.find((candidate) => known.has(candidate));
  if (!token) return undefined;
  return {
    kind: 'callback',
    token,
    scheduledAt: scheduled.timestamp,
    submitted: attempt.some((event) => event.type === 'TaskSubmitted'),
    ...(typeof details.timeoutInSeconds === 'number' ? { timeoutSeconds: details.timeoutInSeconds } : {}),
    ...(typeof details.heartbeatInSeconds === 'number' ? { heartbeatSeconds: details.heartbeatInSeconds } : {}),
  };
}
