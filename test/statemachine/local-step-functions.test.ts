import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LambdaFunction, StepFunctionsEngine, StepFunctionsError } from '../../local/stepfunctions/engine';
import { startStepFunctionsServer } from '../../local/stepfunctions/server';

const fn = (id: string) => `arn:aws:lambda:us-east-1:000000000000:function:${id}`;

/** A small machine exercising what the incident ASL does not: context paths, a plain timeout, a bare function ARN. */
const probeDefinition = {
  StartAt: 'Fan',
  States: {
    Fan: {
      Type: 'Parallel',
      Branches: [
        {
          StartAt: 'Describe',
          States: {
            Describe: {
              Type: 'Task',
              Resource: 'arn:aws:states:::lambda:invoke',
              Parameters: {
                FunctionName: fn('echo'),
                Payload: {
                  'execution.$': '$$.Execution.Name',
                  'original.$': '$$.Execution.Input.ticket',
                  'state.$': '$$.State.Name',
                  'retry.$': '$$.State.RetryCount',
                  'machine.$': '$$.StateMachine.Name',
                  'greeting.$': "States.Format('hello {}', $.ticket)",
                },
              },
              ResultSelector: { 'echo.$': '$.Payload' },
              End: true,
            },
          },
        },
      ],
      ResultPath: '$.fan',
      Next: 'Slow',
    },
    Slow: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: fn('slow'), Payload: {} },
      TimeoutSeconds: 1,
      Catch: [{ ErrorEquals: ['States.Timeout'], ResultPath: '$.slowError', Next: 'Direct' }],
      Next: 'Direct',
    },
    Direct: {
      Type: 'Task',
      Resource: fn('echo'),
      Parameters: { 'direct.$': '$.ticket' },
      ResultPath: '$.direct',
      End: true,
    },
  },
};

const functions: Record<string, LambdaFunction> = {
  [fn('echo')]: async (payload) => payload,
  [fn('slow')]: () => new Promise((resolve) => setTimeout(() => resolve({ late: true }), 3000).unref()),
};

const resolveFunction = (arn: string): LambdaFunction => {
  const found = functions[arn];
  if (!found) throw new Error(`unknown function ${arn}`);
  return found;
};

const gateDefinition = {
  StartAt: 'Gate',
  States: {
    Gate: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: { FunctionName: fn('echo'), Payload: { 'token.$': '$$.Task.Token' } },
      HeartbeatSeconds: 60,
      TimeoutSeconds: 120,
      End: true,
    },
  },
};

/** The callback token a gate execution handed its function (it is in the TaskScheduled parameters). */
function tokenOf(engine: StepFunctionsEngine, executionArn: string): string {
  const scheduled = engine.getExecutionHistory(executionArn).find((event) => event.type === 'TaskScheduled');
  const { parameters } = scheduled!.taskScheduledEventDetails as { parameters: string };
  return JSON.parse(parameters).Payload.token;
}

let directory: string;
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'lumos-sfn-engine-'));
});
afterEach(() => {
  rmSync(directory, { recursive: true, force: true });
});

describe('the local Step Functions engine', () => {
  test('Task Parameters see $$.Execution, $$.State and $$.StateMachine, also inside a Parallel branch', async () => {
    const engine = new StepFunctionsEngine({ resolveFunction });
    const { stateMachineArn } = engine.registerStateMachine({ name: 'probe', definition: probeDefinition });

    const { executionArn } = await engine.startExecution({
      stateMachineArn,
      name: 'probe-1',
      input: '{"ticket":"INC42"}',
    });
    const described = await engine.waitForExecution(executionArn);

    expect(described.status).toBe('SUCCEEDED');
    const output = JSON.parse(described.output!);
    expect(output.fan).toEqual([
      {
        echo: {
          execution: 'probe-1',
          original: 'INC42',
          state: 'Describe',
          retry: 0,
          machine: 'probe',
          greeting: 'hello INC42',
        },
      },
    ]);
    await engine.close();
  });

  test('a plain Task past its TimeoutSeconds fails with States.Timeout, and a bare function ARN returns the raw result', async () => {
    const engine = new StepFunctionsEngine({ resolveFunction });
    const { stateMachineArn } = engine.registerStateMachine({ name: 'probe', definition: probeDefinition });

    const { executionArn } = await engine.startExecution({ stateMachineArn, input: '{"ticket":"INC7"}' });
    const described = await engine.waitForExecution(executionArn);

    const output = JSON.parse(described.output!);
    expect(output.slowError.Error).toBe('States.Timeout');
    expect(output.direct).toEqual({ direct: 'INC7' });
    const types = engine.getExecutionHistory(executionArn).map((event) => event.type);
    expect(types).toContain('TaskTimedOut');
    expect(types).toEqual(expect.arrayContaining(['LambdaFunctionScheduled', 'LambdaFunctionSucceeded']));
    await engine.close();
  });

  test('execution records survive a restart: ended executions keep their result, and tokens of ended tasks answer TaskTimedOut', async () => {
    const first = new StepFunctionsEngine({ resolveFunction, dataDirectory: directory });
    const { stateMachineArn } = first.registerStateMachine({ name: 'gate', definition: gateDefinition });
    const finished = await first.startExecution({ stateMachineArn, name: 'finished' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const token = tokenOf(first, finished.executionArn);
    await first.sendTaskSuccess(token, '{"ok":true}');
    await first.waitForExecution(finished.executionArn);
    await first.close();

    const second = new StepFunctionsEngine({ resolveFunction, dataDirectory: directory });
    expect(second.describeExecution(finished.executionArn)).toMatchObject({
      status: 'SUCCEEDED',
      output: '{"ok":true}',
    });
    expect(second.listExecutions(stateMachineArn).map((execution) => execution.name)).toEqual(['finished']);
    await expect(second.sendTaskSuccess(token, '{}')).rejects.toMatchObject({ code: 'TaskTimedOut' });
    await second.close();
  });

  test('closing the engine stops its work but leaves running executions RUNNING on disk, and refuses new starts', async () => {
    const engine = new StepFunctionsEngine({ resolveFunction, dataDirectory: directory });
    const { stateMachineArn } = engine.registerStateMachine({ name: 'gate', definition: gateDefinition });
    const { executionArn } = await engine.startExecution({ stateMachineArn });

    await engine.close();

    expect(engine.describeExecution(executionArn)).toMatchObject({ status: 'RUNNING' });
    await expect(engine.startExecution({ stateMachineArn })).rejects.toThrow(StepFunctionsError);
    const reloaded = new StepFunctionsEngine({ resolveFunction, dataDirectory: directory });
    expect(reloaded.describeExecution(executionArn)).toMatchObject({ status: 'RUNNING' });
    await reloaded.close();
  });

  test('definitions are refused when a substitution is missing, the ASL is invalid or the engine would run it wrong', () => {
    const engine = new StepFunctionsEngine({ resolveFunction });
    const register = (definition: unknown, substitutions?: Record<string, string>) => () =>
      engine.registerStateMachine({ name: 'bad', definition: definition as Record<string, never>, substitutions });
    const task = (extra: Record<string, unknown>) => ({
      StartAt: 'T',
      States: { T: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', End: true, ...extra } },
    });

    // biome-ignore lint/suspicious/noTemplateCurlyInString: a DefinitionSubstitutions placeholder
    expect(register(task({ Parameters: { FunctionName: '${MissingArn}' } }), {})).toThrow(/MissingArn/);
    expect(register({ StartAt: 'Nowhere', States: {} })).toThrow(
      expect.objectContaining({ code: 'InvalidDefinition' }),
    );
    expect(register({ ...task({}), QueryLanguage: 'JSONata' })).toThrow(/JSONata/);
    expect(register(task({ Resource: 'arn:aws:states:::sqs:sendMessage' }))).toThrow(/not supported locally/);
    expect(register(task({ Assign: { x: 1 } }))).toThrow(/Assign/);
  });
});

describe('the local Step Functions HTTP endpoint', () => {
  test('answers unknown operations and malformed requests with AWS-style 400 errors', async () => {
    const engine = new StepFunctionsEngine({ resolveFunction });
    const server = await startStepFunctionsServer({ port: 0, engine });
    const call = (target: string, body: string) =>
      fetch(server.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': target },
        body,
      });

    try {
      const unknown = await call('AWSStepFunctions.CreateActivity', '{}');
      expect(unknown.status).toBe(400);
      expect(await unknown.json()).toMatchObject({ __type: 'UnknownOperationException' });

      const malformed = await call('AWSStepFunctions.DescribeExecution', '{not json');
      expect(malformed.status).toBe(400);
      expect(await malformed.json()).toMatchObject({ __type: 'SerializationException' });

      const missing = await call('AWSStepFunctions.DescribeExecution', '{}');
      expect(await missing.json()).toMatchObject({
        __type: 'ValidationException',
        message: expect.stringContaining('executionArn'),
      });

      const badArn = await call('AWSStepFunctions.DescribeExecution', '{"executionArn":"nope"}');
      expect(await badArn.json()).toMatchObject({ __type: 'InvalidArn' });
      expect(badArn.headers.get('content-type')).toBe('application/x-amz-json-1.0');
    } finally {
      await server.close();
    }
  });
});
