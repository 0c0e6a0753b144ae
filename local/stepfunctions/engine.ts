import { randomUUID } from 'node:crypto';
import { setImmediate as nextMacrotask } from 'node:timers/promises';
import {
  ExecutionAbortedError,
  ExecutionError,
  type RunOptions,
  StateMachine,
  type StateMachineDefinition,
} from 'aws-local-stepfunctions';
import { type CallbackOutcome, type CallbackWait, TaskTokenRegistry } from './callback-tokens';
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
  /** Where execution records are kept across restarts; without it they live in memory only. */
  readonly dataDirectory?: string;
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
}

type Termination =
  | { readonly status: 'SUCCEEDED'; readonly output: JsonValue }
  | { readonly status: 'FAILED' | 'TIMED_OUT' | 'ABORTED'; readonly error?: string; readonly cause?: string };

type LocalHandlers = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>;

/**
 * A local AWS Step Functions service: registers ASL state machines and runs their executions in-process with
 * aws-local-stepfunctions, adding what that library lacks: Lambda invocation through a caller-supplied resolver
 * with the `lambda:invoke` result shape, real callback tasks (`.waitForTaskToken` with tokens,
 * SendTaskSuccess/Failure/Heartbeat, TimeoutSeconds(Path), HeartbeatSeconds(Path)), execution records with an
 * AWS-shaped history, idempotent StartExecution, StopExecution, and persistence of records across restarts.
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
  private closed = false;

  constructor(options: StepFunctionsEngineOptions) {
    this.resolveFunction = options.resolveFunction;
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '000000000000';
    if (options.dataDirectory) {
      this.store = new ExecutionStore(options.dataDirectory);
      this.restore(this.store.load());
    }
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
   * ExecutionAlreadyExists.
   */
  startExecution(request: StartExecutionInput): { executionArn: string; startDate: Date } {
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
    this.launch(record, machine, input);
    this.store?.save(record);
    return { executionArn, startDate: new Date(record.startDate) };
  }

  describeExecution(executionArn: string): ExecutionDescription {
    const record = this.record(executionArn);
    return {
      ...summaryOf(record),
      input: record.input,
      ...(record.output !== undefined ? { output: record.output } : {}),
      ...(record.error !== undefined ? { error: record.error } : {}),
      ...(record.cause !== undefined ? { cause: record.cause } : {}),
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

  /** Stops a running execution (ABORTED); stopping an ended one changes nothing. */
  stopExecution(executionArn: string, details: { error?: string; cause?: string } = {}): { stopDate: Date } {
    const record = this.record(executionArn);
    const live = this.live.get(executionArn);
    if (live && record.status === 'RUNNING') {
      this.finish(live, { status: 'ABORTED', error: details.error, cause: details.cause });
    }
    return { stopDate: new Date(record.stopDate ?? Date.now()) };
  }

  /** Completes the callback task waiting on `taskToken`; `output` (JSON text) becomes its result. */
  sendTaskSuccess(taskToken: string, output: string): void {
    let parsed: JsonValue;
    try {
      parsed = JSON.parse(output) as JsonValue;
    } catch {
      throw new StepFunctionsError('InvalidOutput', 'Invalid Output: output is not valid JSON');
    }
    if (Buffer.byteLength(output) > MAX_PAYLOAD_BYTES) {
      throw new StepFunctionsError('InvalidOutput', `Invalid Output: output exceeds ${MAX_PAYLOAD_BYTES} bytes`);
    }
    this.tokens.succeed(taskToken, parsed);
  }

  /** Fails the callback task waiting on `taskToken`; Retry and Catch see `error` (default `''`) and `cause`. */
  sendTaskFailure(taskToken: string, error = '', cause = ''): void {
    this.tokens.fail(taskToken, error, cause);
  }

  /** Tells the callback task waiting on `taskToken` that its worker is alive. */
  sendTaskHeartbeat(taskToken: string): void {
    this.tokens.heartbeat(taskToken);
  }

  /** Resolves once the execution has ended (or at once if it has), with its final description. */
  async waitForExecution(executionArn: string): Promise<ExecutionDescription> {
    this.record(executionArn);
    await this.live.get(executionArn)?.finished;
    return this.describeExecution(executionArn);
  }

  /** Writes execution records to disk now. */
  async flush(): Promise<void> {
    await this.store?.flush();
  }

  /**
   * Shuts down: running executions end as ABORTED (they cannot survive the process), callback waits and timers
   * stop, and the records are written. Further StartExecution calls are refused.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const live of [...this.live.values()]) {
      this.finish(live, {
        status: 'ABORTED',
        error: 'Lumos.EngineShutDown',
        cause: 'The local Step Functions engine shut down while this execution was running.',
      });
    }
    this.tokens.close();
    await this.flush();
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
    this.machines.set(stateMachineArn, { description, prepared });
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

  /** Loads saved records; executions that were running when the process stopped are closed as ABORTED. */
  private restore(saved: ExecutionRecord[]): void {
    for (const record of saved) {
      if (record.status === 'RUNNING') {
        const stopDate = new Date();
        record.status = 'ABORTED';
        record.error = 'Lumos.EngineRestarted';
        record.cause =
          'The local Step Functions engine stopped while this execution was running; executions do not resume after a restart.';
        record.stopDate = stopDate.toISOString();
        appendHistoryEvent(
          record.history,
          { type: 'ExecutionAborted', details: { error: record.error, cause: record.cause } },
          stopDate,
        );
        this.store?.save(record);
      }
      this.tokens.retire(record.taskTokens);
      this.records.set(record.executionArn, record);
    }
  }

  private launch(record: ExecutionRecord, machine: RegisteredMachine, input: JsonValue): void {
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
    };
    this.live.set(record.executionArn, live);

    const handlers: LocalHandlers = {};
    for (const spec of machine.prepared.tasks.values()) {
      handlers[spec.stateName] = (taskInput) =>
        this.runTask(live, spec, taskInput as JsonValue) as ReturnType<LocalHandlers[string]>;
    }
    const run = new StateMachine(machine.prepared.runnable, { validationOptions: { noValidate: true } }).run(
      input as Parameters<StateMachine['run']>[0],
      { overrides: { taskResourceLocalHandlers: handlers }, context: this.executionContext(live) },
    );
    live.abortRun = run.abort;
    const historyRecorded = this.recordLibraryEvents(live, run.eventLogs);
    const timeoutSeconds = machine.prepared.timeoutSeconds;
    if (timeoutSeconds !== undefined) {
      live.cancelTimeout = setLongTimeout(
        () =>
          this.finish(live, {
            status: 'TIMED_OUT',
            error: 'States.Timeout',
            cause: `The execution did not finish within TimeoutSeconds (${timeoutSeconds} s).`,
          }),
        timeoutSeconds * 1000,
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

  /** `$$` for an execution: the real execution facts under the engine's key (see EXECUTION_CONTEXT_KEY). */
  private executionContext(live: LiveExecution): JsonObject {
    const { record, machine } = live;
    return {
      [EXECUTION_CONTEXT_KEY]: {
        Id: record.executionArn,
        Name: record.name,
        Input: JSON.parse(record.input) as JsonValue,
        StartTime: record.startDate,
        RoleArn: machine.description.roleArn,
        RedriveCount: 0,
      },
      StateMachine: { Id: machine.description.stateMachineArn, Name: machine.description.name },
    };
  }

  private async recordLibraryEvents(live: LiveExecution, events: AsyncGenerator<LibraryEvent>): Promise<void> {
    for await (const event of events) {
      if (event.type === 'StateEntered' && event.state.type === 'Task') {
        live.visits.set(event.state.name, { enteredAt: new Date(event.timestamp).toISOString(), attempts: 0 });
      }
      for (const pending of historyFromLibraryEvent(event)) this.append(live, pending, new Date(event.timestamp));
    }
  }

  private append(live: LiveExecution, event: PendingHistoryEvent, at?: Date): void {
    if (live.record.status !== 'RUNNING') return;
    appendHistoryEvent(live.record.history, event, at);
    this.store?.save(live.record);
  }

  /** Ends an execution once: sets its status, writes the closing event and stops everything still running for it. */
  private finish(live: LiveExecution, termination: Termination): void {
    const { record } = live;
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
    live.cancelTimeout?.();
    live.ended.abort();
    live.abortRun?.();
    this.live.delete(record.executionArn);
    live.markFinished();
    this.store?.save(record);
  }

  /**
   * Runs one attempt of a Task state. The library has already applied InputPath; this applies Parameters (with
   * `$$.Task.Token` and `$$.State.*`), enforces TimeoutSeconds/HeartbeatSeconds, invokes the function, waits for
   * the callback where there is one, and records the Task events. Errors are thrown with the ASL error as `name`.
   */
  private async runTask(live: LiveExecution, spec: TaskSpec, input: JsonValue): Promise<JsonValue> {
    // The library calls this synchronously from the same tick that logs the state's entry; waiting one macrotask
    // lets that entry reach the history first, so events stay in order.
    await nextMacrotask();
    if (live.ended.signal.aborted) throw new ExecutionClosedError();
    const visit = live.visits.get(spec.stateName) ?? { enteredAt: new Date().toISOString(), attempts: 0 };
    const retryCount = visit.attempts++;
    const baseContext = {
      ...this.executionContext(live),
      State: { Name: spec.stateName, EnteredTime: visit.enteredAt, RetryCount: retryCount },
    };
    const timeoutSeconds = spec.timeoutSeconds ?? (await secondsAt(spec.timeoutSecondsPath, input, baseContext));
    const heartbeatSeconds = spec.heartbeatSeconds ?? (await secondsAt(spec.heartbeatSecondsPath, input, baseContext));

    let callback: CallbackWait | undefined;
    if (spec.kind === 'lambda-invoke-callback') {
      callback = this.tokens.mint({
        executionArn: live.record.executionArn,
        stateName: spec.stateName,
        timeoutSeconds,
        heartbeatSeconds,
        signal: live.ended.signal,
      });
      live.record.taskTokens.push(callback.token);
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

    const events = taskEvents(spec);
    this.append(live, events.scheduled(this.region, parameters, timeoutSeconds, heartbeatSeconds));
    this.append(live, events.started());

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
      const result = spec.kind === 'lambda-function' ? outcome.output : invokeResponse(outcome.output);
      this.append(live, events.succeeded(result));
      return result;
    }

    const first = await Promise.race([
      invocation.then((invoked) => ({ invoked }) as const),
      callback.outcome.then((outcome) => ({ outcome }) as const),
    ]);
    let outcome: CallbackOutcome;
    if ('invoked' in first) {
      if (first.invoked.kind === 'failure') {
        this.tokens.abandon(callback.token);
        this.append(live, events.failed(first.invoked));
        throw new StatesError(first.invoked.error, first.invoked.cause);
      }
      this.append(live, events.submitted(invokeResponse(first.invoked.output)));
      outcome = await callback.outcome;
    } else {
      outcome = first.outcome;
    }
    switch (outcome.kind) {
      case 'success':
        this.append(live, events.succeeded(outcome.output));
        return outcome.output;
      case 'failure':
        this.append(live, events.failed(outcome));
        throw new StatesError(outcome.error, outcome.cause);
      case 'timeout':
        this.append(live, events.timedOut(outcome));
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
