import type { StateMachine } from 'aws-local-stepfunctions';

/** One event of an execution's history, shaped as GetExecutionHistory returns it (timestamp kept as ISO text). */
export interface HistoryEventRecord {
  readonly id: number;
  readonly previousEventId: number;
  readonly timestamp: string;
  readonly type: string;
  readonly [details: string]: unknown;
}

/** An event as aws-local-stepfunctions logs it. */
export type LibraryEvent = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

/** A history event before it gets its id and timestamp. */
export interface PendingHistoryEvent {
  readonly type: string;
  readonly details?: Record<string, unknown>;
}

const DATA_DETAILS = { truncated: false };

/** The field that carries an event type's details (`TaskStateEntered` -> `stateEnteredEventDetails`). */
export function detailsKeyFor(type: string): string {
  if (type.endsWith('StateEntered')) return 'stateEnteredEventDetails';
  if (type.endsWith('StateExited')) return 'stateExitedEventDetails';
  return `${type[0]!.toLowerCase()}${type.slice(1)}EventDetails`;
}

/** Appends an event; ids count from 1 and each event points at the one before it, as in a linear execution. */
export function appendHistoryEvent(
  history: HistoryEventRecord[],
  event: PendingHistoryEvent,
  at: Date = new Date(),
): HistoryEventRecord {
  const previous = history[history.length - 1];
  const record: HistoryEventRecord = {
    id: (previous?.id ?? 0) + 1,
    previousEventId: previous?.id ?? 0,
    timestamp: at.toISOString(),
    type: event.type,
    ...(event.details ? { [detailsKeyFor(event.type)]: event.details } : {}),
  };
  history.push(record);
  return record;
}

const json = (value: unknown): string => JSON.stringify(value ?? null);

/** State-entered details with the input serialized as AWS does. */
export const stateEntered = (type: string, name: string, input: unknown): PendingHistoryEvent => ({
  type: `${type}StateEntered`,
  details: { name, input: json(input), inputDetails: DATA_DETAILS },
});

/**
 * Translates one library event into AWS history events. Task events come from the engine's own task runner and
 * execution start/end from the engine, so the library's versions of those are dropped, as are its retry/catch
 * bookkeeping events, which AWS history does not have.
 */
export function historyFromLibraryEvent(event: LibraryEvent): PendingHistoryEvent[] {
  switch (event.type) {
    case 'StateEntered': {
      const entered = stateEntered(event.state.type, event.state.name, event.state.input);
      if (event.state.type === 'Parallel') return [entered, { type: 'ParallelStateStarted' }];
      if (event.state.type === 'Map') return [entered, { type: 'MapStateStarted' }];
      return [entered];
    }
    case 'StateExited': {
      const { type, name, output } = event.state;
      if (type === 'Fail') return [];
      const exited = {
        type: `${type}StateExited`,
        details: { name, output: json(output), outputDetails: DATA_DETAILS },
      };
      if (type === 'Parallel') return [{ type: 'ParallelStateSucceeded' }, exited];
      if (type === 'Map') return [{ type: 'MapStateSucceeded' }, exited];
      return [exited];
    }
    case 'StateFailed':
      if (event.state.type === 'Parallel') return [{ type: 'ParallelStateFailed' }];
      if (event.state.type === 'Map') return [{ type: 'MapStateFailed' }];
      return [];
    case 'MapIterationStarted':
    case 'MapIterationSucceeded':
    case 'MapIterationFailed':
      return [{ type: event.type, details: { name: event.parentState.name, index: event.index } }];
    default:
      return [];
  }
}
