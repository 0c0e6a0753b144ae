import { randomUUID } from 'node:crypto';
import { setImmediate as nextMacrotask } from 'node:timers/promises';
import {
  ExecutionAbortedError,
  ExecutionError,
  type RunOptions,
  StateMachine,
  type StateMachineDefinition,
} from 'aws-local-stepfunctions';
import { type CallbackWait, TaskTokenRegistry } from './callback-tokens';
import {
  applySubstitutions,
  EXECUTION_CONTEXT_KEY,
  type JsonObject,
  type JsonValue,
  loadDefinitionFile,
  type PreparedDefinition,
  parseDefinition,
  prepareDefinition,
  type TaskSpec,
  validateDefinition,
} from './definition';
import { ExecutionClosedError, StatesError, StepFunctionsError } from './errors';
import { type ExecutionRecord, type ExecutionStatus, ExecutionStore } from './execution-store';
import {
  appendHistoryEvent,
  type HistoryEventRecord,
  historyFromLibraryEvent,
  type LibraryEvent,
  type PendingHistoryEvent,
} from './history';
import { setLongTimeout } from './long-timeout';
import { type ResumePoint, resumePointOf, type TaskProgress } from './resume';

export type { JsonObject, JsonValue } from './definition';
export { StepFunctionsError } from './errors';
export type { ExecutionStatus } from './execution-store';

/** A Lambda handler as the engine calls it: JSON in, JSON out; a thrown error fails the task with its `name`. */
export type LambdaFunction = (payload: unknown) => Promise<unknown>;

/**
 * Maps a function ARN (or name, as written in `FunctionName`) to the code to run. Throwing means "no such
 * function" and fails the task with `Lambda.ResourceNotFoundException`.
 */
export type FunctionResolver = (functionArn: string) => LambdaFunction;

/** How to build an engine. */
export interface StepFunctionsEngineOptions {
  /** Runs the functions that Tasks invoke. */
  readonly resolveFunction: FunctionResolver;
  /** @default 'us-east-1' */
  readonly region?: string;
  /** @default '000000000000' */
  readonly accountId?: string;
  /**
   * Where execution records are kept across restarts; without it they live in memory only. With it, every
   * execution is on disk before StartExecution answers, and running executions resume when the engine starts again
   * and their state machine is registered.
   */
  readonly dataDirectory?: string;
  /** Told of every state an execution enters and leaves (see {@link TransitionPoint}); for fault-injection tests. */
  readonly onTransition?: (point: TransitionPoint) => void;
}

/**
 * A point in an execution's life. `enter`: the state was entered and, for a Task, recorded durably right before
 * its function is invoked. `exit`: for a Task, its function returned but the result is not recorded yet (for a
 * callback Task: the function returned and the task now waits for its token); for other states, the state exited.
 */
export interface TransitionPoint {
  readonly executionArn: string;
  /** When the execution was started (a resumed or redriven execution keeps its first start). */
  readonly executionStartDate: string;
  readonly stateName: string;
  readonly phase: 'enter' | 'exit';
}

/** A state machine to register. */
export interface RegisterStateMachineInput {
  readonly name: string;
  /** ASL as JSON text or an object; `${Key}` placeholders are filled from `substitutions`. */
  readonly definition: string | JsonObject;
  /** DefinitionSubstitutions, e.g. `{ TriageFunctionArn: 'arn:aws:lambda:...:function:lumos-Triage' }`. */
  readonly substitutions?: Readonly<Record<string, string>>;
  /** @default `arn:aws:iam::<account>:role/<name>-local` */
  readonly roleArn?: string;
}

/** A registered state machine, as ListStateMachines shows it. */
export interface StateMachineSummary {
  readonly stateMachineArn: string;
  readonly name: string;
  readonly type: 'STANDARD';
  readonly creationDate: Date;
}

/** A registered state machine, as DescribeStateMachine shows it. */
export interface StateMachineDescription extends StateMachineSummary {
  readonly status: 'ACTIVE';
  /** The definition with substitutions applied. */
  readonly definition: string;
  readonly roleArn: string;
}

/** An execution, as ListExecutions shows it. */
export interface ExecutionSummary {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly status: ExecutionStatus;
  readonly startDate: Date;
  readonly stopDate?: Date;
}

/** An execution, as DescribeExecution shows it. */
export interface ExecutionDescription extends ExecutionSummary {
  readonly input: string;
  readonly output?: string;
  readonly error?: string;
  readonly cause?: string;
  /** How often the execution was redriven. */
  readonly redriveCount: number;
}

/** One history event, as GetExecutionHistory shows it. */
export type HistoryEvent = Omit<HistoryEventRecord, 'timestamp'> & { readonly timestamp: Date };

/** StartExecution's request. */
export interface StartExecutionInput {
  readonly stateMachineArn: string;
  /** @default a random UUID */
  readonly name?: string;
  /** JSON text. @default '{}' */
  readonly input?: string;
}

/** Largest execution input or task output Step Functions accepts, in UTF-8 bytes. */
const MAX_PAYLOAD_BYTES = 262_144;
// AWS naming rules: 1-80 characters, no white space, brackets, wildcards, listed punctuation or control characters.
const EXECUTION_NAME = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\p{Cc}]{1,80}$/u;

interface RegisteredMachine {
  readonly description: StateMachineDescription;
  readonly prepared: PreparedDefinition;
}

interface TaskVisit {
  readonly enteredAt: string;
  attempts: number;
}

/** Run-time state of an execution in flight; the record alone survives it. */
interface LiveExecution {
  readonly record: ExecutionRecord;
  readonly machine: RegisteredMachine;
  /** Aborted when the execution ends: cancels callback waits, timers and in-flight task work. */
  readonly ended: AbortController;
  readonly visits: Map<string, TaskVisit>;
  readonly finished: Promise<void>;
  markFinished(): void;
  abortRun?: () => void;
  cancelTimeout?: () => void;
  /** Where this run picked up after a restart or redrive; consumed by the first attempt of that state. */
  resume?: {
    readonly stateName: string;
    readonly task?: TaskProgress;
    /** The interrupted callback's wait, taken up again at once so its token works before the task runs. */
    readonly wait?: CallbackWait;
    skipEntered: boolean;
  };
  /** Set when the engine shuts down: the run stops, but the execution stays RUNNING on disk and resumes later. */
  detached?: boolean;
}

/** Prefix of the stand-in state that finishes an interrupted Wait at its original deadline. */
const RESUMED_WAIT_PREFIX = 'LumosResumedWait:';

type Termination =
  | { readonly status: 'SUCCEEDED'; readonly output: JsonValue }
  | { readonly status: 'FAILED' | 'TIMED_OUT' | 'ABORTED'; readonly error?: string; readonly cause?: string };

type LocalHandlers = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>;

/**
 * A local AWS Step Functions service: registers ASL state machines and runs their executions in-process with
 * aws-local-stepfunctions, adding what that library lacks: Lambda invocation through a caller-supplied resolver
 * with the `lambda:invoke` result shape, real callback tasks (`.waitForTaskToken` with tokens,
 * SendTaskSuccess/Failure/Heartbeat, TimeoutSeconds(Path), HeartbeatSeconds(Path)), execution records with an
 * AWS-shaped history, idempotent StartExecution, StopExecution, RedriveExecution, and durable executions: records
 * are on disk before StartExecution or SendTask* answer and at every transition, and after a restart every
 * execution that was running resumes at its last top-level state (see docs/durability.md).
 */
export class StepFunctionsEngine {
  readonly region: string;
  readonly accountId: string;
  private readonly resolveFunction: FunctionResolver;
  private readonly machines = new Map<string, RegisteredMachine>();
  private readonly records = new Map<string, ExecutionRecord>();
  private readonly live = new Map<string, LiveExecution>();
  private readonly tokens = new TaskTokenRegistry();
  private readonly store?: ExecutionStore;
  private readonly onTransition?: (point: TransitionPoint) => void;
  private readonly resuming = new Set<Promise<void>>();
  private closed = false;

  constructor(options: StepFunctionsEngineOptions) {
    this.resolveFunction = options.resolveFunction;
    this.onTransition = options.onTransition;
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '000000000000';
    if (options.dataDirectory) {
      this.store = new ExecutionStore(options.dataDirectory);
      this.restore(this.store.load());
    }
  }

  /** Resolves once every execution that was running before the restart has picked up again. */
  async resumed(): Promise<void> {
    while (this.resuming.size > 0) await Promise.all([...this.resuming]);
  }

  /** Validates a definition and registers it under `name`; registering a name again replaces its definition. */
  registerStateMachine(input: RegisterStateMachineInput): StateMachineDescription {
    const text = typeof input.definition === 'string' ? input.definition : JSON.stringify(input.definition);
    const substituted = input.substitutions ? applySubstitutions(text, input.substitutions) : text;
    const definition = parseDefinition(substituted);
    validateDefinition(definition);
    return this.register(input.name, definition, input.roleArn);
  }

  /** Reads an ASL file, applies DefinitionSubstitutions, validates it and registers it under `name`. */
  registerStateMachineFile(
    name: string,
    path: string,
    substitutions: Readonly<Record<string, string>> = {},
  ): StateMachineDescription {
    return this.register(name, loadDefinitionFile(path, substitutions));
  }

  /** The ARN a state machine of this name has (or would have) here. */
  stateMachineArn(name: string): string {
    return `arn:aws:states:${this.region}:${this.accountId}:stateMachine:${name}`;
  }

  listStateMachines(): StateMachineSummary[] {
    return [...this.machines.values()].map(({ description: { stateMachineArn, name, type, creationDate } }) => ({
      stateMachineArn,
      name,
      type,
      creationDate,
    }));
  }

  describeStateMachine(stateMachineArn: string): StateMachineDescription {
    return this.machine(stateMachineArn).description;
  }

  /**
   * Starts an execution. Like a STANDARD workflow, starting a name that is still running with the same input
   * returns that execution again; a different input, or a name whose execution has ended, is
   * ExecutionAlreadyExists. Resolves once the execution is on disk (with a data directory), so an answered start
   * is never lost.
   */
  async startExecution(request: StartExecutionInput): Promise<{ executionArn: string; startDate: Date }> {
    this.assertOpen();
    const machine = this.machine(request.stateMachineArn);
    const name = request.name ?? randomUUID();
    if (!EXECUTION_NAME.test(name)) throw new StepFunctionsError('InvalidName', `Invalid Name: '${name}'`);
    const inputText = request.input ?? '{}';
    const input = parseExecutionInput(inputText);
    const executionArn = `arn:aws:states:${this.region}:${this.accountId}:execution:${machine.description.name}:${name}`;

    const existing = this.records.get(executionArn);
    if (existing) {
      if (existing.status === 'RUNNING' && sameJson(existing.input, inputText)) {
        await this.store?.save(existing);
        return { executionArn, startDate: new Date(existing.startDate) };
      }
      throw new StepFunctionsError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }

    const startDate = new Date();
    const record: ExecutionRecord = {
      executionArn,
      stateMachineArn: machine.description.stateMachineArn,
      name,
      status: 'RUNNING',
      input: inputText,
      startDate: startDate.toISOString(),
      history: [],
      taskTokens: [],
    };
    appendHistoryEvent(
      record.history,
      {
        type: 'ExecutionStarted',
        details: { input: inputText, inputDetails: { truncated: false }, roleArn: machine.description.roleArn },
      },
      startDate,
    );
    this.records.set(executionArn, record);
    // On disk before anything runs: a crash from here on resumes this execution instead of losing it.
    await this.store?.save(record);
    if (record.status === 'RUNNING' && !this.closed && !this.live.has(executionArn))
      this.launch(record, machine, input);
    return { executionArn, startDate: new Date(record.startDate) };
  }

  /**
   * RedriveExecution: an execution that ended FAILED, ABORTED or TIMED_OUT runs again from the top-level state it
   * did not finish (its history, callback tokens included, is kept and continued; `redriveCount` counts up).
   */
  async redriveExecution(executionArn: string): Promise<{ redriveDate: Date }> {
    this.assertOpen();
    const record = this.record(executionArn);
    if (record.status === 'RUNNING' || record.status === 'SUCCEEDED') {
      throw new StepFunctionsError(
        'ExecutionNotRedrivable',
        `Execution Not Redrivable: '${executionArn}' is ${record.status}`,
      );
    }
    const machine = this.machine(record.stateMachineArn);
    const redriveDate = new Date();
    record.status = 'RUNNING';
    record.redriveCount = (record.redriveCount ?? 0) + 1;
    delete record.stopDate;
    delete record.error;
    delete record.cause;
    appendHistoryEvent(
      record.history,
      { type: 'ExecutionRedriven', details: { redriveCount: record.redriveCount } },
      redriveDate,
    );
    await this.store?.save(record);
    await this.resumeExecution(record, machine);
    return { redriveDate };
  }

  describeExecution(executionArn: string): ExecutionDescription {
    const record = this.record(executionArn);
    return {
      ...summaryOf(record),
      input: record.input,
      ...(record.output !== undefined ? { output: record.output } : {}),
      ...(record.error !== undefined ? { error: record.error } : {}),
      ...(record.cause !== undefined ? { cause: record.cause } : {}),
      redriveCount: record.redriveCount ?? 0,
    };
  }

  /** Executions of a state machine, newest first (same start millisecond: by name, descending, to stay stable). */
  listExecutions(stateMachineArn: string, statusFilter?: ExecutionStatus): ExecutionSummary[] {
    const executions = [...this.records.values()].filter((record) => record.stateMachineArn === stateMachineArn);
    // Executions outlive a state machine that was not registered again after a restart; only then may it be unknown.
    if (executions.length === 0) this.machine(stateMachineArn);
    return executions
      .filter((record) => statusFilter === undefined || record.status === statusFilter)
      .sort((a, b) => Date.parse(b.startDate) - Date.parse(a.startDate) || b.name.localeCompare(a.name))
      .map(summaryOf);
  }

  /** The execution's history, oldest first unless `reverseOrder`; `includeExecutionData: false` drops inputs/outputs. */
  getExecutionHistory(
    executionArn: string,
    options: { reverseOrder?: boolean; includeExecutionData?: boolean } = {},
  ): HistoryEvent[] {
    const events = this.record(executionArn).history.map((event) => {
      const copy = { ...event, timestamp: new Date(event.timestamp) } as HistoryEvent;
      return options.includeExecutionData === false ? withoutExecutionData(copy) : copy;
    });
    return options.reverseOrder ? events.reverse() : events;
  }

  /** Stops a running execution (ABORTED); stopping an ended one changes nothing. Resolves once that is on disk. */
  async stopExecution(
    executionArn: string,
    details: { error?: string; cause?: string } = {},
  ): Promise<{ stopDate: Date }> {
    const record = this.record(executionArn);
    if (record.status === 'RUNNING') {
      const termination = { status: 'ABORTED', error: details.error, cause: details.cause } as const;
      const live = this.live.get(executionArn);
      if (live) this.finish(live, termination);
      else this.closeRecord(record, termination);
      await this.store?.save(record);
    }
    return { stopDate: new Date(record.stopDate ?? Date.now()) };
  }

  /**
   * Completes the callback task waiting on `taskToken`; `output` (JSON text) becomes its result. Resolves once the
   * result is on disk, so an acknowledged decision survives a crash.
   */
  async sendTaskSuccess(taskToken: string, output: string): Promise<void> {
    let parsed: JsonValue;
    try {
      parsed = JSON.parse(output) as JsonValue;
    } catch {
      throw new StepFunctionsError('InvalidOutput', 'Invalid Output: output is not valid JSON');
    }
    if (Buffer.byteLength(output) > MAX_PAYLOAD_BYTES) {
      throw new StepFunctionsError('InvalidOutput', `Invalid Output: output exceeds ${MAX_PAYLOAD_BYTES} bytes`);
    }
    const owner = this.tokens.ownerOf(taskToken);
    this.tokens.succeed(taskToken, parsed);
    await this.persist(owner);
  }

  /** Fails the callback task waiting on `taskToken`; Retry and Catch see `error` (default `''`) and `cause`. */
  async sendTaskFailure(taskToken: string, error = '', cause = ''): Promise<void> {
    const owner = this.tokens.ownerOf(taskToken);
    this.tokens.fail(taskToken, error, cause);
    await this.persist(owner);
  }

  /** Tells the callback task waiting on `taskToken` that its worker is alive. */
  sendTaskHeartbeat(taskToken: string): void {
    this.tokens.heartbeat(taskToken);
  }

  /** Resolves once the execution has ended (or at once if it has), with its final description. */
  async waitForExecution(executionArn: string): Promise<ExecutionDescription> {
    this.record(executionArn);
    await this.resumed();
    await this.live.get(executionArn)?.finished;
    return this.describeExecution(executionArn);
  }

  /** Writes execution records to disk now. */
  async flush(): Promise<void> {
    await this.store?.flush();
  }

  /**
   * Shuts down: runs, callback waits and timers stop, and the records are written. Running executions stay
   * RUNNING: the next engine on the same data directory resumes them (without one they are gone with the process).
   * Further StartExecution calls are refused.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.resuming]);
    for (const live of [...this.live.values()]) {
      live.detached = true;
      live.cancelTimeout?.();
      live.ended.abort();
      live.abortRun?.();
      this.live.delete(live.record.executionArn);
      live.markFinished();
    }
    this.tokens.close();
    await this.store?.close();
  }

  private register(name: string, definition: JsonObject, roleArn?: string): StateMachineDescription {
    if (!EXECUTION_NAME.test(name)) throw new StepFunctionsError('InvalidName', `Invalid Name: '${name}'`);
    const prepared = prepareDefinition(definition);
    const stateMachineArn = this.stateMachineArn(name);
    const description: StateMachineDescription = {
      stateMachineArn,
      name,
      type: 'STANDARD',
      status: 'ACTIVE',
      creationDate: this.machines.get(stateMachineArn)?.description.creationDate ?? new Date(),
      definition: JSON.stringify(definition, null, 2),
      roleArn: roleArn ?? `arn:aws:iam::${this.accountId}:role/${name}-local`,
    };
    const machine = { description, prepared };
    this.machines.set(stateMachineArn, machine);
    // The machine is back: executions of it that were running when the engine last stopped pick up again.
    for (const record of this.records.values()) {
      if (
        record.stateMachineArn === stateMachineArn &&
        record.status === 'RUNNING' &&
        !this.live.has(record.executionArn)
      ) {
        void this.resumeExecution(record, machine);
      }
    }
    return description;
  }

  private machine(stateMachineArn: string): RegisteredMachine {
    const machine = this.machines.get(stateMachineArn);
    if (machine) return machine;
    if (!/^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[^:]+$/.test(stateMachineArn)) {
      throw new StepFunctionsError('InvalidArn', `Invalid Arn: '${stateMachineArn}'`);
    }
    throw new StepFunctionsError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${stateMachineArn}'`);
  }

  private record(executionArn: string): ExecutionRecord {
    const record = this.records.get(executionArn);
    if (record) return record;
    if (!/^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[^:]+:[^:]+$/.test(executionArn)) {
      throw new StepFunctionsError('InvalidArn', `Invalid Arn: '${executionArn}'`);
    }
    throw new StepFunctionsError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
  }

  private assertOpen(): void {
    if (this.closed) throw new StepFunctionsError('ValidationException', 'The local Step Functions engine is closed');
  }

  /**
   * Loads saved records. Executions that were running stay RUNNING and resume once their state machine is
   * registered; until a resumed callback task takes its token back, every old token answers TaskTimedOut.
   */
  private restore(saved: ExecutionRecord[]): void {
    for (const record of saved) {
      this.tokens.retire(record.taskTokens);
      this.records.set(record.executionArn, record);
    }
  }

  /**
   * Continues a RUNNING execution from its history: at the top-level state it had not finished (a Task's recorded
   * result is reused, a waiting callback keeps its token and deadline, a Wait keeps its deadline, anything else runs
   * again), or from the start if it had not entered any state.
   */
  private resumeExecution(record: ExecutionRecord, machine: RegisteredMachine): Promise<void> {
    const resuming = (async () => {
      let point: ResumePoint | undefined;
      try {
        point = resumePointOf(record.history, machine.prepared.definition as never, record.taskTokens);
        if (
          point?.kind === 'state' &&
          !Object.hasOwn(machine.prepared.definition.States as JsonObject, point.stateName)
        ) {
          throw new Error(`state ${point.stateName} is not in the registered definition any more`);
        }
      } catch (error) {
        this.closeRecord(record, {
          status: 'FAILED',
          error: 'States.Runtime',
          cause: `Could not resume after a restart: ${(error as Error).message}`,
        });
        await this.store?.save(record);
        return;
      }
      if (!point) {
        this.launch(record, machine, JSON.parse(record.input) as JsonValue);
        return;
      }
      if (point.kind === 'succeeded') {
        this.closeRecord(record, { status: 'SUCCEEDED', output: point.output });
        await this.store?.save(record);
        return;
      }
      let runnable = { ...machine.prepared.runnable, StartAt: point.stateName } as StateMachineDefinition;
      const state = (machine.prepared.runnable.States as unknown as Record<string, JsonObject>)[point.stateName]!;
      if (state.Type === 'Wait' && point.alreadyEntered) {
        const dueAt = await waitDeadline(state, point.input, point.enteredAt, this.baseContext(record, machine));
        const { Seconds: _s, SecondsPath: _sp, Timestamp: _t, TimestampPath: _tp, ...rest } = state;
        const standIn = `${RESUMED_WAIT_PREFIX}${point.stateName}`;
        runnable = {
          ...runnable,
          StartAt: standIn,
          States: { ...runnable.States, [standIn]: { ...rest, Timestamp: dueAt } },
        } as StateMachineDefinition;
      }
      if (this.closed || record.status !== 'RUNNING' || this.live.has(record.executionArn)) return;
      this.launch(record, machine, point.input, runnable, {
        stateName: point.stateName,
        skipEntered: point.alreadyEntered,
        enteredAt: point.enteredAt,
        ...(point.task ? { task: point.task } : {}),
      });
    })();
    this.resuming.add(resuming);
    void resuming.finally(() => this.resuming.delete(resuming));
    return resuming;
  }

  private launch(
    record: ExecutionRecord,
    machine: RegisteredMachine,
    input: JsonValue,
    runnable: StateMachineDefinition = machine.prepared.runnable,
    resume?: { stateName: string; skipEntered: boolean; enteredAt: string; task?: TaskProgress },
  ): void {
    let markFinished!: () => void;
    const finished = new Promise<void>((resolve) => {
      markFinished = resolve;
    });
    const live: LiveExecution = {
      record,
      machine,
      ended: new AbortController(),
      visits: new Map(),
      finished,
      markFinished,
      ...(resume
        ? {
            resume: {
              stateName: resume.stateName,
              skipEntered: resume.skipEntered,
              ...(resume.task ? { task: resume.task } : {}),
            },
          }
        : {}),
    };
    if (resume) live.visits.set(resume.stateName, { enteredAt: resume.enteredAt, attempts: 0 });
    const spec = resume ? machine.prepared.tasks.get(resume.stateName) : undefined;
    if (live.resume && spec && resume?.task?.kind === 'callback') {
      const { token, scheduledAt, timeoutSeconds, heartbeatSeconds } = resume.task;
      live.resume = {
        ...live.resume,
        wait: this.mintCallback(live, spec, {
          timeoutSeconds,
          heartbeatSeconds,
          token,
          startedAt: Date.parse(scheduledAt),
        }),
      };
    }
    this.live.set(record.executionArn, live);

    const handlers: LocalHandlers = {};
    for (const spec of machine.prepared.tasks.values()) {
      handlers[spec.stateName] = (taskInput) =>
        this.runTask(live, spec, taskInput as JsonValue) as ReturnType<LocalHandlers[string]>;
    }
    const run = new StateMachine(runnable, { validationOptions: { noValidate: true } }).run(
      input as Parameters<StateMachine['run']>[0],
      { overrides: { taskResourceLocalHandlers: handlers }, context: this.executionContext(live) },
    );
    live.abortRun = run.abort;
    const historyRecorded = this.recordLibraryEvents(live, run.eventLogs);
    const timeoutSeconds = machine.prepared.timeoutSeconds;
    if (timeoutSeconds !== undefined) {
      // Counted from the execution's start, also across restarts.
      live.cancelTimeout = setLongTimeout(
        () =>
          this.finish(live, {
            status: 'TIMED_OUT',
            error: 'States.Timeout',
            cause: `The execution did not finish within TimeoutSeconds (${timeoutSeconds} s).`,
          }),
        Math.max(0, Date.parse(record.startDate) + timeoutSeconds * 1000 - Date.now()),
      );
    }
    run.result.then(
      async (output) => {
        await historyRecorded;
        this.finish(live, { status: 'SUCCEEDED', output: output as JsonValue });
      },
      async (error: unknown) => {
        await historyRecorded;
        this.finish(live, terminationOf(error));
      },
    );
  }

  /** Writes a record's changes durably; a no-op without a data directory or for an unknown execution. */
  private async persist(executionArn: string | undefined): Promise<void> {
    const record = executionArn ? this.records.get(executionArn) : undefined;
    if (record) await this.store?.save(record);
  }

  private transition(live: LiveExecution, stateName: string, phase: TransitionPoint['phase']): void {
    if (live.detached) return;
    this.onTransition?.({
      executionArn: live.record.executionArn,
      executionStartDate: live.record.startDate,
      stateName,
      phase,
    });
  }

  /** `$$` for an execution: the real execution facts under the engine's key (see EXECUTION_CONTEXT_KEY). */
  private executionContext(live: LiveExecution): JsonObject {
    return this.baseContext(live.record, live.machine);
  }

  private baseContext(record: ExecutionRecord, machine: RegisteredMachine): JsonObject {
    return {
      [EXECUTION_CONTEXT_KEY]: {
        Id: record.executionArn,
        Name: record.name,
        Input: JSON.parse(record.input) as JsonValue,
        StartTime: record.startDate,
        RoleArn: machine.description.roleArn,
        RedriveCount: record.redriveCount ?? 0,
      },
      StateMachine: { Id: machine.description.stateMachineArn, Name: machine.description.name },
    };
  }

  private async recordLibraryEvents(live: LiveExecution, events: AsyncGenerator<LibraryEvent>): Promise<void> {
    for await (const raw of events) {
      const event = withOriginalStateName(raw);
      const isTask = 'state' in event && live.machine.prepared.tasks.has(event.state.name);
      if (event.type === 'StateEntered') {
        if (live.resume?.skipEntered && event.state.name === live.resume.stateName) {
          // The state's entry is already in the history from before the interruption.
          live.resume.skipEntered = false;
          continue;
        }
        if (event.state.type === 'Task') {
          live.visits.set(event.state.name, { enteredAt: new Date(event.timestamp).toISOString(), attempts: 0 });
        }
      }
      for (const pending of historyFromLibraryEvent(event)) this.append(live, pending, new Date(event.timestamp));
      if (this.onTransition && !isTask && (event.type === 'StateEntered' || event.type === 'StateExited')) {
        const { name } = event.state;
        const phase = event.type === 'StateEntered' ? 'enter' : 'exit';
        if (phase === 'enter') {
          void this.persist(live.record.executionArn).then(
            () => this.transition(live, name, phase),
            () => undefined,
          );
        } else this.transition(live, name, phase);
      }
    }
  }

  private append(live: LiveExecution, event: PendingHistoryEvent, at?: Date): void {
    if (live.record.status !== 'RUNNING' || live.detached) return;
    appendHistoryEvent(live.record.history, event, at);
    this.saveInBackground(live.record);
  }

  /** Saves without a caller waiting on it; a failed write (a full disk) is reported, it must not crash the runtime. */
  private saveInBackground(record: ExecutionRecord): void {
    this.store
      ?.save(record)
      .catch((error: unknown) =>
        process.emitWarning(`could not save Step Functions execution ${record.executionArn}: ${String(error)}`),
      );
  }

  /** Ends an execution once: sets its status, writes the closing event and stops everything still running for it. */
  private finish(live: LiveExecution, termination: Termination): void {
    const { record } = live;
    if (record.status !== 'RUNNING' || live.detached) return;
    this.closeRecord(record, termination);
    live.cancelTimeout?.();
    live.ended.abort();
    live.abortRun?.();
    this.live.delete(record.executionArn);
    live.markFinished();
    this.saveInBackground(record);
  }

  /** Sets a record's final status and writes its closing event. */
  private closeRecord(record: ExecutionRecord, termination: Termination): void {
    if (record.status !== 'RUNNING') return;
    const stopDate = new Date();
    record.status = termination.status;
    record.stopDate = stopDate.toISOString();
    if (termination.status === 'SUCCEEDED') {
      record.output = JSON.stringify(termination.output ?? null);
      appendHistoryEvent(
        record.history,
        { type: 'ExecutionSucceeded', details: { output: record.output, outputDetails: { truncated: false } } },
        stopDate,
      );
    } else {
      if (termination.error !== undefined) record.error = termination.error;
      if (termination.cause !== undefined) record.cause = termination.cause;
      const type = { FAILED: 'ExecutionFailed', TIMED_OUT: 'ExecutionTimedOut', ABORTED: 'ExecutionAborted' }[
        termination.status
      ];
      const details = {
        ...(termination.error !== undefined ? { error: termination.error } : {}),
        ...(termination.cause !== undefined ? { cause: termination.cause } : {}),
      };
      appendHistoryEvent(record.history, { type, details }, stopDate);
    }
  }

  /**
   * Runs one attempt of a Task state. The library has already applied InputPath; this applies Parameters (with
   * `$$.Task.Token` and `$$.State.*`), enforces TimeoutSeconds/HeartbeatSeconds, invokes the function, waits for
   * the callback where there is one, and records the Task events. Errors are thrown with the ASL error as `name`.
   * The attempt is on disk before the function is invoked. The first attempt after a restart continues what the
   * history shows: a recorded result is reused, a submitted callback waits again on its token, anything else runs
   * again (at least once).
   */
  private async runTask(live: LiveExecution, spec: TaskSpec, input: JsonValue): Promise<JsonValue> {
    // The library calls this synchronously from the same tick that logs the state's entry; waiting one macrotask
    // lets that entry reach the history first, so events stay in order.
    await nextMacrotask();
    if (live.ended.signal.aborted) throw new ExecutionClosedError();
    let progress: TaskProgress | undefined;
    let resumedWait: CallbackWait | undefined;
    if (live.resume?.stateName === spec.stateName) {
      progress = live.resume.task;
      resumedWait = live.resume.wait;
      live.resume = undefined;
    }
    if (progress?.kind === 'succeeded') return progress.output;

    const visit = live.visits.get(spec.stateName) ?? { enteredAt: new Date().toISOString(), attempts: 0 };
    const retryCount = visit.attempts++;
    const baseContext = {
      ...this.executionContext(live),
      State: { Name: spec.stateName, EnteredTime: visit.enteredAt, RetryCount: retryCount },
    };
    const timeoutSeconds = spec.timeoutSeconds ?? (await secondsAt(spec.timeoutSecondsPath, input, baseContext));
    const heartbeatSeconds = spec.heartbeatSeconds ?? (await secondsAt(spec.heartbeatSecondsPath, input, baseContext));
    const events = taskEvents(spec);

    let callback: CallbackWait | undefined;
    if (spec.kind === 'lambda-invoke-callback') {
      callback = resumedWait ?? this.mintCallback(live, spec, { timeoutSeconds, heartbeatSeconds });
      if (!resumedWait) live.record.taskTokens.push(callback.token);
      if (resumedWait && progress?.kind === 'callback' && progress.submitted) {
        // The function had handed the token on before the interruption: only the wait continues.
        return this.awaitCallback(live, callback);
      }
    }
    let parameters: JsonValue;
    let functionName: string;
    try {
      const context = callback ? { ...baseContext, Task: { Token: callback.token } } : baseContext;
      parameters = spec.parameters === undefined ? input : await evaluateTemplate(spec.parameters, input, context);
      functionName = spec.kind === 'lambda-function' ? spec.resource : functionNameOf(spec, parameters);
    } catch (error) {
      if (callback) this.tokens.abandon(callback.token);
      throw error;
    }

    this.append(live, events.scheduled(this.region, parameters, timeoutSeconds, heartbeatSeconds));
    this.append(live, events.started());
    await this.persist(live.record.executionArn);
    if (live.ended.signal.aborted) {
      if (callback) this.tokens.abandon(callback.token);
      throw new ExecutionClosedError();
    }
    this.transition(live, spec.stateName, 'enter');

    const payload =
      spec.kind === 'lambda-function' ? parameters : ((parameters as JsonObject | null)?.Payload ?? ({} as JsonValue));
    const invocation = this.invoke(functionName, payload);

    if (!callback) {
      const outcome = await settleFirst(invocation, live.ended.signal, timeoutSeconds, spec.stateName);
      if (outcome.kind === 'cancelled') throw new ExecutionClosedError();
      if (outcome.kind === 'failure' || outcome.kind === 'timeout') {
        this.append(live, outcome.kind === 'failure' ? events.failed(outcome) : events.timedOut(outcome));
        throw new StatesError(outcome.error, outcome.cause);
      }
      this.transition(live, spec.stateName, 'exit');
      const result = spec.kind === 'lambda-function' ? outcome.output : invokeResponse(outcome.output);
      this.append(live, events.succeeded(result));
      return result;
    }

    const first = await Promise.race([
      invocation.then((invoked) => ({ invoked }) as const),
      callback.outcome.then((outcome) => ({ outcome }) as const),
    ]);
    if ('invoked' in first) {
      if (first.invoked.kind === 'failure') {
        this.tokens.abandon(callback.token);
        this.append(live, events.failed(first.invoked));
        throw new StatesError(first.invoked.error, first.invoked.cause);
      }
      if (this.tokens.isPending(callback.token)) {
        this.append(live, events.submitted(invokeResponse(first.invoked.output)));
        await this.persist(live.record.executionArn);
        this.transition(live, spec.stateName, 'exit');
      }
    }
    return this.awaitCallback(live, callback);
  }

  /**
   * Starts the wait of one callback task attempt (or takes up an interrupted one: same token, deadline counted from
   * when it was scheduled). Its outcome is recorded as it settles, so SendTaskSuccess/Failure can answer once it is
   * on disk.
   */
  private mintCallback(
    live: LiveExecution,
    spec: TaskSpec,
    options: { timeoutSeconds?: number; heartbeatSeconds?: number; token?: string; startedAt?: number },
  ): CallbackWait {
    const events = taskEvents(spec);
    return this.tokens.mint({
      executionArn: live.record.executionArn,
      stateName: spec.stateName,
      timeoutSeconds: options.timeoutSeconds,
      heartbeatSeconds: options.heartbeatSeconds,
      signal: live.ended.signal,
      ...(options.token && options.startedAt !== undefined
        ? { resume: { token: options.token, startedAt: options.startedAt } }
        : {}),
      onSettled: (outcome) => {
        if (outcome.kind === 'success') this.append(live, events.succeeded(outcome.output));
        else if (outcome.kind === 'failure') this.append(live, events.failed(outcome));
        else if (outcome.kind === 'timeout') this.append(live, events.timedOut(outcome));
      },
    });
  }

  /** Waits for a callback task's outcome (its history event was recorded as it settled) and returns or throws it. */
  private async awaitCallback(live: LiveExecution, callback: CallbackWait): Promise<JsonValue> {
    const outcome = await callback.outcome;
    if (live.detached) throw new ExecutionClosedError();
    switch (outcome.kind) {
      case 'success':
        return outcome.output;
      case 'failure':
      case 'timeout':
        throw new StatesError(outcome.error, outcome.cause);
      case 'cancelled':
        throw new ExecutionClosedError();
    }
  }

  /** Calls a function the way Lambda would: JSON-serialized in and out, errors reported by name. */
  private async invoke(functionName: string, payload: JsonValue): Promise<InvocationOutcome> {
    let fn: LambdaFunction;
    try {
      fn = this.resolveFunction(functionName);
    } catch (error) {
      return {
        kind: 'failure',
        error: 'Lambda.ResourceNotFoundException',
        cause: `Function not found: ${functionName} (${(error as Error).message})`,
      };
    }
    try {
      const result = await fn(JSON.parse(JSON.stringify(payload)));
      return { kind: 'success', output: JSON.parse(JSON.stringify(result ?? null)) as JsonValue };
    } catch (error) {
      return { kind: 'failure', ...functionError(error) };
    }
  }
}

type InvocationOutcome =
  | { readonly kind: 'success'; readonly output: JsonValue }
  | { readonly kind: 'failure'; readonly error: string; readonly cause: string };

function parseExecutionInput(text: string): JsonValue {
  if (Buffer.byteLength(text) > MAX_PAYLOAD_BYTES) {
    throw new StepFunctionsError(
      'InvalidExecutionInput',
      `Invalid Execution Input: larger than ${MAX_PAYLOAD_BYTES} bytes`,
    );
  }
  try {
    return JSON.parse(text) as JsonValue;
  } catch (error) {
    throw new StepFunctionsError('InvalidExecutionInput', `Invalid Execution Input: ${(error as Error).message}`);
  }
}

function sameJson(a: string, b: string): boolean {
  return JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b));
}

function summaryOf(record: ExecutionRecord): ExecutionSummary {
  return {
    executionArn: record.executionArn,
    stateMachineArn: record.stateMachineArn,
    name: record.name,
    status: record.status,
    startDate: new Date(record.startDate),
    ...(record.stopDate ? { stopDate: new Date(record.stopDate) } : {}),
  };
}

const EXECUTION_DATA_FIELDS = new Set(['input', 'output', 'parameters', 'inputDetails', 'outputDetails']);

function withoutExecutionData(event: HistoryEvent): HistoryEvent {
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(event)) {
    copy[key] =
      key.endsWith('EventDetails') && value && typeof value === 'object'
        ? Object.fromEntries(Object.entries(value).filter(([field]) => !EXECUTION_DATA_FIELDS.has(field)))
        : value;
  }
  return copy as HistoryEvent;
}

/** How the library's rejection maps to an execution status. */
function terminationOf(error: unknown): Termination {
  if (error instanceof ExecutionAbortedError) return { status: 'ABORTED' };
  if (error instanceof ExecutionError && error.cause instanceof Error) {
    return { status: 'FAILED', error: error.cause.name, cause: error.cause.message };
  }
  return { status: 'FAILED', error: 'States.Runtime', cause: error instanceof Error ? error.message : String(error) };
}

/** Error and cause as the lambda:invoke integration reports a function error (cause = Lambda's error JSON). */
function functionError(error: unknown): { error: string; cause: string } {
  const failure = error instanceof Error ? error : new Error(String(error));
  const errorType = typeof failure.name === 'string' && failure.name !== '' ? failure.name : 'Error';
  const cause = JSON.stringify({
    errorType,
    errorMessage: failure.message,
    trace: (failure.stack ?? '').split('\n'),
  });
  return { error: errorType, cause };
}

/** The lambda:invoke integration's result, so ResultSelector `$.Payload...` works as in AWS. */
function invokeResponse(payload: JsonValue): JsonObject {
  const requestId = randomUUID();
  return {
    ExecutedVersion: '$LATEST',
    Payload: payload,
    SdkHttpMetadata: {
      HttpHeaders: { 'Content-Type': 'application/json', 'X-Amz-Executed-Version': '$LATEST' },
      HttpStatusCode: 200,
    },
    SdkResponseMetadata: { RequestId: requestId },
    StatusCode: 200,
  };
}

function functionNameOf(spec: TaskSpec, parameters: JsonValue): string {
  const name = (parameters as JsonObject | null)?.FunctionName;
  if (typeof name !== 'string' || name === '') {
    throw new StatesError('States.Runtime', `${spec.stateName}: Parameters must give FunctionName as a string`, {
      retryable: false,
      catchable: false,
    });
  }
  return name;
}

/** Evaluates a payload template with the library's own JSONPath and intrinsic-function semantics. */
async function evaluateTemplate(template: JsonValue, input: JsonValue, context: JsonObject): Promise<JsonValue> {
  const definition = { StartAt: 'Evaluate', States: { Evaluate: { Type: 'Pass', Parameters: template, End: true } } };
  const machine = new StateMachine(definition as unknown as StateMachineDefinition, {
    validationOptions: { noValidate: true },
  });
  try {
    return (await machine.run(input as Parameters<StateMachine['run']>[0], { context }).result) as JsonValue;
  } catch (error) {
    throw error instanceof ExecutionError ? error.cause : error;
  }
}

/** Resolves TimeoutSecondsPath/HeartbeatSecondsPath against the effective input; must be a positive integer. */
async function secondsAt(path: string | undefined, input: JsonValue, context: JsonObject): Promise<number | undefined> {
  if (path === undefined) return undefined;
  const { value } = (await evaluateTemplate({ 'value.$': path }, input, context)) as { value: unknown };
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new StatesError(
      'States.Runtime',
      `${path} must resolve to a positive integer, got ${JSON.stringify(value)}`,
      {
        retryable: false,
        catchable: false,
      },
    );
  }
  return value;
}

/** Waits for a plain (non-callback) invocation, its TimeoutSeconds, or the execution ending, whichever is first. */
function settleFirst(
  invocation: Promise<InvocationOutcome>,
  ended: AbortSignal,
  timeoutSeconds: number | undefined,
  stateName: string,
): Promise<InvocationOutcome | { kind: 'timeout'; error: string; cause: string } | { kind: 'cancelled' }> {
  return new Promise((resolve) => {
    const cleanups: Array<() => void> = [];
    const done = (outcome: Parameters<typeof resolve>[0]) => {
      for (const cleanup of cleanups) cleanup();
      resolve(outcome);
    };
    const onEnded = () => done({ kind: 'cancelled' });
    ended.addEventListener('abort', onEnded, { once: true });
    cleanups.push(() => ended.removeEventListener('abort', onEnded));
    if (timeoutSeconds !== undefined) {
      cleanups.push(
        setLongTimeout(
          () =>
            done({
              kind: 'timeout',
              error: 'States.Timeout',
              cause: `${stateName} did not complete within TimeoutSeconds (${timeoutSeconds} s).`,
            }),
          timeoutSeconds * 1000,
        ),
      );
    }
    invocation.then(done);
  });
}

/** History events of one Task attempt: `Task*` for service integrations, `LambdaFunction*` for a bare function ARN. */
function taskEvents(spec: TaskSpec) {
  const direct = spec.kind === 'lambda-function';
  const resource = {
    resourceType: 'lambda',
    resource: spec.kind === 'lambda-invoke-callback' ? 'invoke.waitForTaskToken' : 'invoke',
  };
  const data = (field: 'output', value: JsonValue) => ({
    [field]: JSON.stringify(value),
    [`${field}Details`]: { truncated: false },
  });
  return {
    scheduled: (region: string, parameters: JsonValue, timeoutSeconds?: number, heartbeatSeconds?: number) =>
      direct
        ? {
            type: 'LambdaFunctionScheduled',
            details: {
              resource: spec.resource,
              input: JSON.stringify(parameters),
              inputDetails: { truncated: false },
              ...(timeoutSeconds !== undefined ? { timeoutInSeconds: timeoutSeconds } : {}),
            },
          }
        : {
            type: 'TaskScheduled',
            details: {
              ...resource,
              region,
              parameters: JSON.stringify(parameters),
              ...(timeoutSeconds !== undefined ? { timeoutInSeconds: timeoutSeconds } : {}),
              ...(heartbeatSeconds !== undefined ? { heartbeatInSeconds: heartbeatSeconds } : {}),
            },
          },
    started: (): PendingHistoryEvent =>
      direct ? { type: 'LambdaFunctionStarted' } : { type: 'TaskStarted', details: resource },
    submitted: (output: JsonValue): PendingHistoryEvent => ({
      type: 'TaskSubmitted',
      details: { ...resource, ...data('output', output) },
    }),
    succeeded: (output: JsonValue): PendingHistoryEvent =>
      direct
        ? { type: 'LambdaFunctionSucceeded', details: data('output', output) }
        : { type: 'TaskSucceeded', details: { ...resource, ...data('output', output) } },
    failed: ({ error, cause }: { error: string; cause: string }): PendingHistoryEvent =>
      direct
        ? { type: 'LambdaFunctionFailed', details: { error, cause } }
        : { type: 'TaskFailed', details: { ...resource, error, cause } },
    timedOut: ({ error, cause }: { error: string; cause: string }): PendingHistoryEvent =>
      direct
        ? { type: 'LambdaFunctionTimedOut', details: { error, cause } }
        : { type: 'TaskTimedOut', details: { ...resource, error, cause } },
  };
}

/**
 * When an interrupted Wait state is due: its `Seconds`/`SecondsPath` counted from when it was first entered, or its
 * `Timestamp`/`TimestampPath`. Paths are read from the state's input after its InputPath, as the Wait state does.
 */
async function waitDeadline(
  state: JsonObject,
  input: JsonValue,
  enteredAt: string,
  context: JsonObject,
): Promise<string> {
  if (typeof state.Timestamp === 'string') return state.Timestamp;
  const start = Date.parse(enteredAt);
  if (typeof state.Seconds === 'number') return new Date(start + state.Seconds * 1000).toISOString();
  const effective =
    typeof state.InputPath === 'string'
      ? ((await evaluateTemplate({ 'value.$': state.InputPath }, input, context)) as { value: JsonValue }).value
      : input;
  const path = (state.SecondsPath ?? state.TimestampPath) as string;
  const { value } = (await evaluateTemplate({ 'value.$': path }, effective, context)) as { value: unknown };
  if (state.SecondsPath !== undefined) return new Date(start + Number(value) * 1000).toISOString();
  return String(value);
}

/** Library events of the stand-in that finishes a resumed Wait carry the Wait's own name. */
function withOriginalStateName(event: LibraryEvent): LibraryEvent {
  if (!('state' in event) || !event.state.name.startsWith(RESUMED_WAIT_PREFIX)) return event;
  return {
    ...event,
    state: { ...event.state, name: event.state.name.slice(RESUMED_WAIT_PREFIX.length) },
  } as LibraryEvent;
}
