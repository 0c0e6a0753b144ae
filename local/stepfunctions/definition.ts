import { readFileSync } from 'node:fs';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { StepFunctionsError } from './errors';

/** A JSON value as it travels through a state machine. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

// asl-validator ships no types; this is the part of its API the engine uses.
type AslValidator = (
  definition: unknown,
  options?: { checkPaths?: boolean; checkArn?: boolean },
) => { isValid: boolean; errorsText: (separator?: string) => string };
const aslValidator: AslValidator = require('asl-validator');

/** The Task resources the local engine can run, and how each behaves. */
export type TaskKind =
  /** `arn:aws:states:::lambda:invoke`: the result is `{ Payload, StatusCode, ExecutedVersion }`. */
  | 'lambda-invoke'
  /** `arn:aws:states:::lambda:invoke.waitForTaskToken`: the result is what SendTaskSuccess sends. */
  | 'lambda-invoke-callback'
  /** A bare Lambda function ARN as Resource: the result is the function's return value. */
  | 'lambda-function';

/** What the engine needs to run one Task state itself (the library only sees a stripped copy). */
export interface TaskSpec {
  readonly stateName: string;
  readonly resource: string;
  readonly kind: TaskKind;
  readonly parameters?: JsonValue;
  readonly timeoutSeconds?: number;
  readonly timeoutSecondsPath?: string;
  readonly heartbeatSeconds?: number;
  readonly heartbeatSecondsPath?: string;
}

/** A validated definition split into what the library runs and what the engine runs around it. */
export interface PreparedDefinition {
  /** The definition as registered (substitutions applied), for DescribeStateMachine. */
  readonly definition: JsonObject;
  /** The copy handed to aws-local-stepfunctions: Task timeouts, heartbeats and Parameters removed. */
  readonly runnable: StateMachineDefinition;
  /** Every Task state, by name (state names are unique across a whole state machine). */
  readonly tasks: ReadonlyMap<string, TaskSpec>;
  /** Top-level TimeoutSeconds, enforced by the engine. */
  readonly timeoutSeconds?: number;
}

/**
 * The context key that replaces `$$.Execution` in every path. The library rebuilds `$$.Execution` inside Parallel
 * branches and Map iterations from the branch input, so the engine keeps the real values under its own key.
 */
export const EXECUTION_CONTEXT_KEY = 'LumosExecution';

/** Longest delay Node's setTimeout accepts, in whole seconds; the library arms one timer per Task. */
export const LIBRARY_TASK_TIMEOUT_CAP_SECONDS = 2_147_483;

const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';
const LAMBDA_INVOKE_CALLBACK = 'arn:aws:states:::lambda:invoke.waitForTaskToken';
const LAMBDA_FUNCTION_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9_$-]+)?$/;

/**
 * Replaces every `${Key}` with its DefinitionSubstitutions value, as CloudFormation does for a state machine.
 * Values are JSON-escaped because they land inside JSON strings. A placeholder without a value is an error, since
 * AWS would deploy it verbatim and fail at run time.
 */
export function applySubstitutions(text: string, substitutions: Readonly<Record<string, string>>): string {
  const missing = new Set<string>();
  const result = text.replace(/\$\{([A-Za-z0-9_]+)\}/g, (placeholder, key: string) => {
    const value = substitutions[key];
    if (value === undefined) {
      missing.add(key);
      return placeholder;
    }
    return JSON.stringify(value).slice(1, -1);
  });
  if (missing.size > 0) {
    throw new StepFunctionsError(
      'InvalidDefinition',
      `no DefinitionSubstitutions value for: ${[...missing].sort().join(', ')}`,
    );
  }
  return result;
}

/** Parses definition text into an object, answering InvalidDefinition for anything else. */
export function parseDefinition(text: string): JsonObject {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new StepFunctionsError('InvalidDefinition', `definition is not JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new StepFunctionsError('InvalidDefinition', 'definition must be a JSON object');
  }
  return parsed as JsonObject;
}

/** Checks a definition with asl-validator (schema, transitions, paths, ARNs). */
export function validateDefinition(definition: JsonObject): void {
  // asl-validator writes QueryLanguage into every state it visits, so it gets its own copy.
  const { isValid, errorsText } = aslValidator(structuredClone(definition), { checkPaths: true, checkArn: true });
  if (!isValid) {
    throw new StepFunctionsError('InvalidDefinition', `definition is invalid: ${errorsText('; ')}`);
  }
}

/** Reads an ASL file, applies substitutions and validates it. */
export function loadDefinitionFile(path: string, substitutions: Readonly<Record<string, string>> = {}): JsonObject {
  const definition = parseDefinition(applySubstitutions(readFileSync(path, 'utf8'), substitutions));
  validateDefinition(definition);
  return definition;
}

/**
 * Splits a validated definition: the engine takes over each Task's Parameters (so `$$.Task.Token` and
 * `$$.State.*` resolve), timeouts and heartbeats (the library evaluates TimeoutSecondsPath against the
 * post-Parameters input and has no heartbeats), and the execution timeout; the library keeps the flow.
 * Rejects what the library would run silently wrong (JSONata, variables, unknown resources).
 */
export function prepareDefinition(definition: JsonObject): PreparedDefinition {
  const tasks = new Map<string, TaskSpec>();
  const runnable = rewriteExecutionContextPaths(structuredClone(definition)) as JsonObject;
  if (runnable.QueryLanguage === 'JSONata') {
    throw new StepFunctionsError('InvalidDefinition', 'JSONata definitions are not supported locally; use JSONPath');
  }
  prepareStates(runnable, tasks);
  const timeoutSeconds = typeof runnable.TimeoutSeconds === 'number' ? runnable.TimeoutSeconds : undefined;
  delete runnable.TimeoutSeconds;
  return { definition, runnable: runnable as unknown as StateMachineDefinition, tasks, timeoutSeconds };
}

function prepareStates(machine: JsonObject, tasks: Map<string, TaskSpec>): void {
  const states = machine.States as Record<string, JsonObject>;
  for (const [name, state] of Object.entries(states)) {
    for (const unsupported of ['Assign', 'Arguments', 'Output'] as const) {
      if (unsupported in state) {
        throw new StepFunctionsError('InvalidDefinition', `state ${name}: ${unsupported} is not supported locally`);
      }
    }
    if (state.QueryLanguage === 'JSONata') {
      throw new StepFunctionsError('InvalidDefinition', `state ${name}: JSONata is not supported locally`);
    }
    if (state.Type === 'Parallel') {
      for (const branch of state.Branches as JsonObject[]) prepareStates(branch, tasks);
    }
    if (state.Type === 'Map') {
      prepareStates((state.ItemProcessor ?? state.Iterator) as JsonObject, tasks);
    }
    if (state.Type === 'Task') {
      tasks.set(name, taskSpec(name, state));
      for (const key of ['Parameters', 'TimeoutSecondsPath', 'HeartbeatSeconds', 'HeartbeatSecondsPath']) {
        delete state[key];
      }
      // The engine enforces the real timeout; this only keeps the library's own 60 s default out of the way.
      state.TimeoutSeconds = LIBRARY_TASK_TIMEOUT_CAP_SECONDS;
    }
  }
}

function taskSpec(stateName: string, state: JsonObject): TaskSpec {
  const resource = String(state.Resource);
  let kind: TaskKind;
  if (resource === LAMBDA_INVOKE) kind = 'lambda-invoke';
  else if (resource === LAMBDA_INVOKE_CALLBACK) kind = 'lambda-invoke-callback';
  else if (LAMBDA_FUNCTION_ARN.test(resource)) kind = 'lambda-function';
  else {
    throw new StepFunctionsError(
      'InvalidDefinition',
      `state ${stateName}: resource ${resource} is not supported locally (lambda:invoke, lambda:invoke.waitForTaskToken or a Lambda function ARN)`,
    );
  }
  const spec: TaskSpec = {
    stateName,
    resource,
    kind,
    parameters: state.Parameters,
    timeoutSeconds: state.TimeoutSeconds as number | undefined,
    timeoutSecondsPath: state.TimeoutSecondsPath as string | undefined,
    heartbeatSeconds: state.HeartbeatSeconds as number | undefined,
    heartbeatSecondsPath: state.HeartbeatSecondsPath as string | undefined,
  };
  if (
    spec.timeoutSeconds !== undefined &&
    spec.heartbeatSeconds !== undefined &&
    spec.heartbeatSeconds >= spec.timeoutSeconds
  ) {
    throw new StepFunctionsError(
      'InvalidDefinition',
      `state ${stateName}: HeartbeatSeconds must be below TimeoutSeconds`,
    );
  }
  return spec;
}

const isPathKey = (key: string): boolean => key.endsWith('.$') || key.endsWith('Path') || key === 'Variable';

/** Points every `$$.Execution...` path (including inside intrinsic functions) at {@link EXECUTION_CONTEXT_KEY}. */
function rewriteExecutionContextPaths(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(rewriteExecutionContextPaths);
  if (value === null || typeof value !== 'object') return value;
  const rewritten: JsonObject = {};
  for (const [key, inner] of Object.entries(value)) {
    rewritten[key] =
      typeof inner === 'string' && isPathKey(key)
        ? inner.replace(/\$\$\.Execution\b/g, () => `$$.${EXECUTION_CONTEXT_KEY}`)
        : rewriteExecutionContextPaths(inner);
  }
  return rewritten;
}
