import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type JsonObject, type LambdaFunction, StepFunctionsEngine } from '../../local/stepfunctions/engine';
import { resumePointOf } from '../../local/stepfunctions/resume';

const fn = (id: string) => `arn:aws:lambda:us-east-1:000000000000:function:${id}`;
const invoke = (id: string, extra: Record<string, unknown> = {}) => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::lambda:invoke',
  Parameters: { FunctionName: fn(id), 'Payload.$': '$' },
  ResultSelector: { 'value.$': '$.Payload' },
  ...extra,
});

/** Two steps with a Parallel between them: the unit of resumption is a top-level state. */
const pipeline: JsonObject = {
  StartAt: 'First',
  States: {
    First: invoke('first', { ResultPath: '$.first', Next: 'Fan' }),
    Fan: {
      Type: 'Parallel',
      Branches: [
        { StartAt: 'Left', States: { Left: invoke('left', { End: true }) } },
        { StartAt: 'Right', States: { Right: invoke('right', { End: true }) } },
      ],
      ResultPath: '$.fan',
      Next: 'Second',
    },
    Second: invoke('second', { ResultPath: '$.second', End: true }),
  },
};

const gate: JsonObject = {
  StartAt: 'Gate',
  States: {
    Gate: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: { FunctionName: fn('ask'), Payload: { 'token.$': '$$.Task.Token' } },
      TimeoutSeconds: 3,
      Catch: [{ ErrorEquals: ['States.Timeout'], ResultPath: '$.error', Next: 'TimedOut' }],
      Next: 'Decided',
    },
    Decided: { Type: 'Pass', End: true },
    TimedOut: { Type: 'Pass', Result: 'timed out', End: true },
  },
};

const waiting: JsonObject = {
  StartAt: 'Pause',
  States: {
    Pause: { Type: 'Wait', SecondsPath: '$.seconds', Next: 'After' },
    After: invoke('first', { End: true }),
  },
};

/** Counts calls per function; `hang` lists functions that never answer (the process "dies" while they run). */
function functions(calls: Record<string, number>, hang: string[] = []) {
  return (arn: string): LambdaFunction => {
    const id = arn.slice(arn.lastIndexOf(':') + 1);
    return async (payload) => {
      calls[id] = (calls[id] ?? 0) + 1;
      if (hang.includes(id)) return new Promise(() => undefined);
      return { from: id, seen: Object.keys(payload as object).sort() };
    };
  };
}

const until = async (check: () => boolean, what: string, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

const entered = (engine: StepFunctionsEngine, executionArn: string) =>
  engine
    .getExecutionHistory(executionArn)
    .filter((event) => String(event.type).endsWith('StateEntered'))
    .map((event) => (event.stateEnteredEventDetails as { name: string }).name);

let directory: string;
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'lumos-durable-'));
});
afterEach(() => {
  rmSync(directory, { recursive: true, force: true });
});

describe('the durable local Step Functions engine', () => {
  test('an answered StartExecution is on disk at once, and a task in flight at a crash runs again after it', async () => {
    const calls: Record<string, number> = {};
    const crashed = new StepFunctionsEngine({
      resolveFunction: functions(calls, ['second']),
      dataDirectory: directory,
    });
    const { stateMachineArn } = crashed.registerStateMachine({ name: 'pipeline', definition: pipeline });
    const { executionArn } = await crashed.startExecution({ stateMachineArn, name: 'p-1', input: '{"n":1}' });
    // Nothing is flushed or closed: a copy of the folder taken now is what a restart after a crash would read.
    const copy = mkdtempSync(join(tmpdir(), 'lumos-durable-copy-'));
    cpSync(directory, copy, { recursive: true });
    const fromCopy = new StepFunctionsEngine({ resolveFunction: functions({}), dataDirectory: copy });
    expect(fromCopy.describeExecution(executionArn)).toMatchObject({ status: 'RUNNING', input: '{"n":1}' });
    rmSync(copy, { recursive: true, force: true });
    await until(() => calls.second === 1, 'Second to be invoked');

    const restarted = new StepFunctionsEngine({ resolveFunction: functions(calls), dataDirectory: directory });
    restarted.registerStateMachine({ name: 'pipeline', definition: pipeline });
    const described = await restarted.waitForExecution(executionArn);

    expect(described.status).toBe('SUCCEEDED');
    expect(JSON.parse(described.output!).second).toEqual({ value: { from: 'second', seen: ['fan', 'first', 'n'] } });
    // Completed states did not run again; the one in flight did (at least once).
    expect(calls).toEqual({ first: 1, left: 1, right: 1, second: 2 });
    expect(entered(restarted, executionArn)).toEqual(['First', 'Fan', 'Left', 'Right', 'Second']);
    await restarted.close();
    await crashed.close();
  });

  test('a Parallel state interrupted mid-way runs again as a whole, and the states after it once', async () => {
    const calls: Record<string, number> = {};
    const first = new StepFunctionsEngine({ resolveFunction: functions(calls, ['right']), dataDirectory: directory });
    const { stateMachineArn } = first.registerStateMachine({ name: 'pipeline', definition: pipeline });
    const { executionArn } = await first.startExecution({ stateMachineArn, name: 'p-2' });
    await until(() => calls.right === 1 && calls.left === 1, 'both branches to start');
    await first.close();

    const second = new StepFunctionsEngine({ resolveFunction: functions(calls), dataDirectory: directory });
    second.registerStateMachine({ name: 'pipeline', definition: pipeline });
    expect((await second.waitForExecution(executionArn)).status).toBe('SUCCEEDED');
    expect(calls).toEqual({ first: 1, left: 2, right: 2, second: 1 });
    expect(entered(second, executionArn).filter((name) => name === 'Fan')).toHaveLength(1);
    await second.close();
  });

  test('a waiting callback task keeps its token after a restart: SendTaskSuccess with it resumes the execution', async () => {
    const calls: Record<string, number> = {};
    const first = new StepFunctionsEngine({ resolveFunction: functions(calls), dataDirectory: directory });
    const { stateMachineArn } = first.registerStateMachine({ name: 'gate', definition: gate });
    const { executionArn } = await first.startExecution({ stateMachineArn, name: 'g-1' });
    await until(() => first.getExecutionHistory(executionArn).some((e) => e.type === 'TaskSubmitted'), 'the wait');
    const scheduled = first.getExecutionHistory(executionArn).find((event) => event.type === 'TaskScheduled');
    const token = JSON.parse((scheduled!.taskScheduledEventDetails as { parameters: string }).parameters).Payload.token;
    await first.close();

    const second = new StepFunctionsEngine({ resolveFunction: functions(calls), dataDirectory: directory });
    second.registerStateMachine({ name: 'gate', definition: gate });
    await second.resumed();
    await second.sendTaskSuccess(token, '{"decision":"approve"}');
    const described = await second.waitForExecution(executionArn);

    expect(described).toMatchObject({ status: 'SUCCEEDED', output: '{"decision":"approve"}' });
    // The function that handed the token out is not asked again.
    expect(calls).toEqual({ ask: 1 });
    await second.close();
  });

  test('a callback task keeps its deadline across a restart: time spent stopped counts', async () => {
    const first = new StepFunctionsEngine({ resolveFunction: functions({}), dataDirectory: directory });
    const { stateMachineArn } = first.registerStateMachine({ name: 'gate', definition: gate });
    const { executionArn } = await first.startExecution({ stateMachineArn, name: 'g-2' });
    await until(() => first.getExecutionHistory(executionArn).some((e) => e.type === 'TaskSubmitted'), 'the wait');
    await first.close();
    await new Promise((resolve) => setTimeout(resolve, 3200));

    const second = new StepFunctionsEngine({ resolveFunction: functions({}), dataDirectory: directory });
    // Registering the machine takes the wait up again (its clock would restart here if it were not kept).
    second.registerStateMachine({ name: 'gate', definition: gate });
    const resumedAt = Date.now();
    const described = await second.waitForExecution(executionArn);

    expect(described).toMatchObject({ status: 'SUCCEEDED', output: '"timed out"' });
    const timedOut = second.getExecutionHistory(executionArn).find((event) => event.type === 'TaskTimedOut');
    // A deadline restarted from zero would have fired 3 s after the resume; the kept one was already due.
    expect(timedOut!.timestamp.getTime() - resumedAt).toBeLessThan(2000);
    await second.close();
  });

  test('a Wait state keeps its deadline across a restart', async () => {
    const calls: Record<string, number> = {};
    const first = new StepFunctionsEngine({ resolveFunction: functions(calls), dataDirectory: directory });
    const { stateMachineArn } = first.registerStateMachine({ name: 'waiting', definition: waiting });
    const startedAt = Date.now();
    const { executionArn } = await first.startExecution({ stateMachineArn, name: 'w-1', input: '{"seconds":3}' });
    await new Promise((resolve) => setTimeout(resolve, 500));
    await first.close();

    const second = new StepFunctionsEngine({ resolveFunction: functions(calls), dataDirectory: directory });
    second.registerStateMachine({ name: 'waiting', definition: waiting });
    const resumedAt = Date.now();
    const described = await second.waitForExecution(executionArn);

    expect(described.status).toBe('SUCCEEDED');
    const exited = second.getExecutionHistory(executionArn).find((event) => event.type === 'WaitStateExited');
    const exitedAt = exited!.timestamp.getTime();
    expect(exitedAt - startedAt).toBeGreaterThanOrEqual(2900);
    // A Wait started over at the resume would have waited its full 3 s from there.
    expect(exitedAt - resumedAt).toBeLessThan(2800);
    expect(entered(second, executionArn)).toEqual(['Pause', 'After']);
    expect(calls).toEqual({ first: 1 });
    await second.close();
  });

  test('StartExecution with the same name and input is idempotent across a restart', async () => {
    const first = new StepFunctionsEngine({ resolveFunction: functions({}), dataDirectory: directory });
    const { stateMachineArn } = first.registerStateMachine({ name: 'gate', definition: gate });
    const started = await first.startExecution({ stateMachineArn, name: 'g-3', input: '{"a":1}' });
    await first.close();

    const second = new StepFunctionsEngine({ resolveFunction: functions({}), dataDirectory: directory });
    second.registerStateMachine({ name: 'gate', definition: gate });
    const again = await second.startExecution({ stateMachineArn, name: 'g-3', input: '{ "a": 1 }' });
    expect(again.executionArn).toBe(started.executionArn);
    await expect(second.startExecution({ stateMachineArn, name: 'g-3', input: '{"a":2}' })).rejects.toMatchObject({
      code: 'ExecutionAlreadyExists',
    });
    expect(second.listExecutions(stateMachineArn)).toHaveLength(1);
    await second.close();
  });

  test('RedriveExecution continues a stopped execution where it stopped, keeping its history', async () => {
    const calls: Record<string, number> = {};
    const engine = new StepFunctionsEngine({ resolveFunction: functions(calls, ['second']), dataDirectory: directory });
    const { stateMachineArn } = engine.registerStateMachine({ name: 'pipeline', definition: pipeline });
    const { executionArn } = await engine.startExecution({ stateMachineArn, name: 'p-3' });
    await until(() => calls.second === 1, 'Second to be invoked');
    await engine.stopExecution(executionArn, { error: 'Test.Stopped' });
    await engine.close();

    const again = new StepFunctionsEngine({ resolveFunction: functions(calls), dataDirectory: directory });
    again.registerStateMachine({ name: 'pipeline', definition: pipeline });
    expect(again.describeExecution(executionArn)).toMatchObject({ status: 'ABORTED', error: 'Test.Stopped' });
    await again.redriveExecution(executionArn);
    const described = await again.waitForExecution(executionArn);

    expect(described).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1 });
    expect(calls).toEqual({ first: 1, left: 1, right: 1, second: 2 });
    const types = again.getExecutionHistory(executionArn).map((event) => String(event.type));
    expect(types).toEqual(expect.arrayContaining(['ExecutionAborted', 'ExecutionRedriven', 'ExecutionSucceeded']));
    await expect(again.redriveExecution(executionArn)).rejects.toMatchObject({ code: 'ExecutionNotRedrivable' });
    await again.close();
  });
});

describe('where an interrupted execution resumes', () => {
  const event = (id: number, type: string, details: Record<string, unknown> = {}) => {
    const key = type.endsWith('StateEntered')
      ? 'stateEnteredEventDetails'
      : type.endsWith('StateExited')
        ? 'stateExitedEventDetails'
        : `${type[0]!.toLowerCase()}${type.slice(1)}EventDetails`;
    return {
      id,
      previousEventId: id - 1,
      timestamp: new Date(1_700_000_000_000 + id).toISOString(),
      type,
      [key]: details,
    };
  };
  const definition = {
    States: {
      A: { Type: 'Task', Next: 'B' },
      B: { Type: 'Choice', Choices: [], Default: 'C' },
      C: { Type: 'Task', End: true },
    },
  };

  test('a state that exited leads to its Next with its output; a Choice is evaluated again; an End state ends it', () => {
    const afterA = [
      event(1, 'TaskStateEntered', { name: 'A', input: '{"x":1}' }),
      event(2, 'TaskStateExited', { name: 'A', output: '{"x":2}' }),
    ];
    expect(resumePointOf(afterA, definition, [])).toMatchObject({
      kind: 'state',
      stateName: 'B',
      input: { x: 2 },
      alreadyEntered: false,
    });

    const afterB = [
      ...afterA,
      event(3, 'ChoiceStateEntered', { name: 'B', input: '{"x":2}' }),
      event(4, 'ChoiceStateExited', { name: 'B', output: '{"x":2}' }),
    ];
    expect(resumePointOf(afterB, definition, [])).toMatchObject({
      kind: 'state',
      stateName: 'B',
      input: { x: 2 },
      alreadyEntered: true,
    });

    const afterC = [
      ...afterB,
      event(5, 'TaskStateEntered', { name: 'C', input: '{}' }),
      event(6, 'TaskStateExited', { name: 'C', output: '{"done":true}' }),
    ];
    expect(resumePointOf(afterC, definition, [])).toEqual({ kind: 'succeeded', output: { done: true } });
  });

  test('a Task whose result was recorded completes with it; a callback that was handed out keeps its token', () => {
    const recorded = [
      event(1, 'TaskStateEntered', { name: 'A', input: '{}' }),
      event(2, 'TaskScheduled', { resource: 'invoke', parameters: '{}' }),
      event(3, 'TaskSucceeded', { output: '{"Payload":1}' }),
    ];
    expect(resumePointOf(recorded, definition, [])).toMatchObject({
      stateName: 'A',
      task: { kind: 'succeeded', output: { Payload: 1 } },
    });

    const token = 'lumos-local.abc_DEF-1';
    const waiting = [
      event(1, 'TaskStateEntered', { name: 'A', input: '{}' }),
      event(2, 'TaskScheduled', {
        resource: 'invoke.waitForTaskToken',
        parameters: JSON.stringify({ Payload: { t: token } }),
      }),
      event(3, 'TaskStarted'),
      event(4, 'TaskSubmitted'),
    ];
    expect(resumePointOf(waiting, definition, [token])).toMatchObject({
      task: { kind: 'callback', token, submitted: true },
    });
    // A token this execution never got is not trusted: the task runs again with a new one.
    expect(resumePointOf(waiting, definition, [])).not.toHaveProperty('task');
    // States inside branches are not resume points; nothing entered means starting from the top.
    expect(
      resumePointOf([event(1, 'TaskStateEntered', { name: 'Nested', input: '{}' })], definition, []),
    ).toBeUndefined();
  });
});
