import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  InvalidToken,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  StopExecutionCommand,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import {
  autoPlan,
  ENRICHMENT_STATES,
  gatedPlan,
  healthyEnrichment,
  historyOf,
  outputOf,
  PermanentError,
  STATE_MACHINE_NAME,
  startWorkflowHarness,
  statesEntered,
  TransientError,
  type WorkflowHarness,
  waitForEnd,
} from './workflow-doubles';

let harness: WorkflowHarness;
let incidentCounter = 0;
const nextIncidentId = (label: string) => `inc-${label}-${++incidentCounter}-${Date.now()}`;

beforeAll(async () => {
  harness = await startWorkflowHarness();
});

afterAll(async () => {
  await harness.close();
});

const approve = (taskToken: string, output: Record<string, unknown>) =>
  harness.sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) }));

describe('the incident state machine, run through the local Step Functions API', () => {
  test('an incident whose plan needs no approval is triaged, enriched, executed and recorded as executed', async () => {
    const { executionArn, scenario } = await harness.start(nextIncidentId('auto'));

    const described = await waitForEnd(harness.sfn, executionArn);

    expect(described.status).toBe('SUCCEEDED');
    const output = outputOf(described);
    expect(output.outcome).toBe('executed');
    expect(output.triage).toEqual({
      priority: 'P2',
      category: 'network',
      assignmentGroup: 'network-operations',
      confidence: 0.82,
    });
    expect(output.enrichment).toEqual(healthyEnrichment);
    expect(output.plan).toEqual(autoPlan);
    const entered = await statesEntered(harness.sfn, executionArn);
    expect(entered.filter((state) => ENRICHMENT_STATES.has(state)).sort()).toEqual([
      'Dependency',
      'Knowledge',
      'LogAnalysis',
      'Sentiment',
    ]);
    expect(entered.filter((state) => !ENRICHMENT_STATES.has(state))).toEqual([
      'Triage',
      'Enrich',
      'Diagnose',
      'Route',
      'FirstResponse',
      'Fulfil',
      'FulfilmentDecision',
      'Plan',
      'Decide',
      'AutoApproved',
      'ExecutePlan',
      'Executed',
      'StartVerification',
      'VerifyRecovery',
      'RecoveryDecision',
      'Handoff',
      'WriteBack',
      'RecordOutcome',
      'Postmortem',
    ]);
    expect(scenario.payloadsOf('RequestApproval')).toHaveLength(0);
    expect(scenario.payloadsOf('RecordOutcome')[0]).toMatchObject({ outcome: 'executed' });
    expect(scenario.payloadsOf('ExecutePlan')[0]).toMatchObject({ approval: { decision: 'auto' } });
  });

  test('a risky plan waits at the human gate with a task token and executes once a person approves', async () => {
    const { executionArn, scenario } = await harness.start(nextIncidentId('approved'), {
      Plan: () => gatedPlan(30, 10),
    });

    const request = await scenario.nextApprovalRequest();
    expect(request).toMatchObject({ incidentId: expect.any(String), plan: gatedPlan(30, 10) });
    expect(typeof request.taskToken).toBe('string');
    expect((request.taskToken as string).length).toBeGreaterThan(32);
    const waiting = await harness.sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect(waiting.status).toBe('RUNNING');
    expect(scenario.payloadsOf('ExecutePlan')).toHaveLength(0);

    await approve(request.taskToken as string, { decision: 'approve', approver: 'alice@example.com' });
    const described = await waitForEnd(harness.sfn, executionArn);

    expect(described.status).toBe('SUCCEEDED');
    expect(outputOf(described)).toMatchObject({
      outcome: 'executed',
      approval: { decision: 'approve', approver: 'alice@example.com' },
    });
    expect(scenario.payloadsOf('ExecutePlan')[0]).toMatchObject({ approval: { decision: 'approve' } });
    const history = await historyOf(harness.sfn, executionArn);
    const gateScheduled = history.find(
      (event) =>
        event.type === 'TaskScheduled' && event.taskScheduledEventDetails?.resource === 'invoke.waitForTaskToken',
    );
    expect(gateScheduled?.taskScheduledEventDetails).toMatchObject({
      resourceType: 'lambda',
      timeoutInSeconds: 30,
      heartbeatInSeconds: 10,
    });
    expect(JSON.parse(gateScheduled?.taskScheduledEventDetails?.parameters ?? '{}').Payload.taskToken).toBe(
      request.taskToken,
    );
    expect(history.map((event) => event.type)).toEqual(
      expect.arrayContaining(['TaskSubmitted', 'TaskSucceeded', 'ExecutionSucceeded']),
    );
  });

  test('a rejected plan is recorded as rejected and never executed', async () => {
    const { executionArn, scenario } = await harness.start(nextIncidentId('rejected'), {
      Plan: () => gatedPlan(30, 10),
    });

    const request = await scenario.nextApprovalRequest();
    await approve(request.taskToken as string, { decision: 'reject', reason: 'change freeze' });
    const described = await waitForEnd(harness.sfn, executionArn);

    expect(described.status).toBe('SUCCEEDED');
    expect(outputOf(described).outcome).toBe('rejected');
    expect(scenario.payloadsOf('ExecutePlan')).toHaveLength(0);
    expect(scenario.payloadsOf('RecordOutcome')[0]).toMatchObject({ outcome: 'rejected' });
    expect(await statesEntered(harness.sfn, executionArn)).toEqual(
      expect.arrayContaining(['HumanGate', 'ApprovalDecision', 'Rejected', 'RecordOutcome']),
    );
  });

  test('an approval nobody answers times out after TimeoutSecondsPath and escalates the incident', async () => {
    const { executionArn, scenario } = await harness.start(nextIncidentId('timeout'), {
      Plan: () => gatedPlan(1, 5),
    });

    await scenario.nextApprovalRequest();
    const described = await waitForEnd(harness.sfn, executionArn);

    expect(described.status).toBe('SUCCEEDED');
    expect(outputOf(described).outcome).toBe('escalated');
    expect(scenario.payloadsOf('Escalate')[0]).toMatchObject({ reason: 'States.Timeout' });
    expect(scenario.payloadsOf('ExecutePlan')).toHaveLength(0);
    const timedOut = (await historyOf(harness.sfn, executionArn)).find((event) => event.type === 'TaskTimedOut');
    expect(timedOut?.taskTimedOutEventDetails?.error).toBe('States.Timeout');
  });

  test('heartbeats keep a human gate open past HeartbeatSeconds until the person answers', async () => {
    const { executionArn, scenario } = await harness.start(nextIncidentId('heartbeat'), {
      Plan: () => gatedPlan(20, 1),
    });

    const request = await scenario.nextApprovalRequest();
    const taskToken = request.taskToken as string;
    const openedAt = Date.now();
    for (let beat = 0; beat < 5; beat++) {
      await new Promise((resolve) => setTimeout(resolve, 400));
      await harness.sfn.send(new SendTaskHeartbeatCommand({ taskToken }));
    }
    expect(Date.now() - openedAt).toBeGreaterThan(1500);
    await approve(taskToken, { decision: 'approve' });
    const described = await waitForEnd(harness.sfn, executionArn);

    expect(described.status).toBe('SUCCEEDED');
    expect(outputOf(described).outcome).toBe('executed');
    expect(scenario.payloadsOf('Escalate')).toHaveLength(0);
  });

  test('a human gate that gets no heartbeat fails with States.HeartbeatTimeout and escalates', async () => {
    const { executionArn, scenario } = await harness.start(nextIncidentId('no-heartbeat'), {
      Plan: () => gatedPlan(20, 1),
    });

    const request = await scenario.nextApprovalRequest();
    const described = await waitForEnd(harness.sfn, executionArn);

    expect(described.status).toBe('SUCCEEDED');
    expect(outputOf(described).outcome).toBe('escalated');
    expect(scenario.payloadsOf('Escalate')[0]).toMatchObject({ reason: 'States.HeartbeatTimeout' });
    await expect(
      harness.sfn.send(new SendTaskHeartbeatCommand({ taskToken: request.taskToken as string })),
    ).rejects.toBeInstanceOf(TaskTimedOut);
  });

  test('an approval system that reports failure through SendTaskFailure flags the incident for a person', async () => {
    const { executionArn, scenario } = await harness.start(nextIncidentId('gate-failure'), {
      Plan: () => gatedPlan(30, 10),
    });

    const request = await scenario.nextApprovalRequest();
    await harness.sfn.send(
      new SendTaskFailureCommand({
        taskToken: request.taskToken as string,
        error: 'Lumos.ApprovalChannelDown',
        cause: 'chat webhook answered 503',
      }),
    );
    const described = await waitForEnd(harness.sfn, executionArn);

    expect(described.status).toBe('SUCCEEDED');
    expect(scenario.payloadsOf('FlagForHuman')[0]).toMatchObject({
      error: { Error: 'Lumos.ApprovalChannelDown', Cause: 'chat webhook answered 503' },
    });
    expect(scenario.payloadsOf('ExecutePlan')).toHaveLength(0);
  });

  test('a triage agent that fails for good is not retried and the incident is flagged for a person', async () => {
    const { executionArn, scenario } = await harness.start(nextIncidentId('triage-fails'), {
      Triage: () => {
        throw new PermanentError('Lumos.TriageFailed', 'model answered nonsense');
      },
    });

    const described = await waitForEnd(harness.sfn, executionArn);

    expect(described.status).toBe('SUCCEEDED');
    expect(scenario.payloadsOf('Triage')).toHaveLength(1);
    expect(scenario.payloadsOf('Plan')).toHaveLength(0);
    const [flagged] = scenario.payloadsOf('FlagForHuman');
    expect(flagged).toMatchObject({ error: { Error: 'Lumos.TriageFailed' } });
    const cause = JSON.parse((flagged!.error as { Cause: string }).Cause);
    expect(cause).toMatchObject({ errorType: 'Lumos.TriageFailed', errorMessage: 'model answered nonsense' });
    expect(outputOf(described).flagged).toEqual({ status: 'flagged' });
    const failed = (await historyOf(harness.sfn, executionArn)).find((event) => event.type === 'TaskFailed');
    expect(failed?.taskFailedEventDetails?.error).toBe('Lumos.TriageFailed');
  });

  test('a transient agent error is retried and the incident then proceeds normally', async () => {
    const { executionArn, scenario } = await harness.start(nextIncidentId('transient'), {
      Triage: (_payload, attempt) => {
        if (attempt === 1) throw new TransientError('throttled by the model endpoint');
        return { priority: 'P3', category: 'database', assignmentGroup: 'dba', confidence: 0.7 };
      },
    });

    const described = await waitForEnd(harness.sfn, executionArn);

    expect(described.status).toBe('SUCCEEDED');
    expect(scenario.payloadsOf('Triage')).toHaveLength(2);
    expect(scenario.payloadsOf('FlagForHuman')).toHaveLength(0);
    expect(outputOf(described)).toMatchObject({ outcome: 'executed', triage: { priority: 'P3' } });
    const triageEvents = (await historyOf(harness.sfn, executionArn))
      .filter((event) => event.type?.startsWith('Task') && !event.type.includes('State'))
      .slice(0, 5)
      .map((event) => event.type);
    expect(triageEvents).toEqual(['TaskScheduled', 'TaskStarted', 'TaskFailed', 'TaskScheduled', 'TaskStarted']);
  });

  test('a failing knowledge agent degrades enrichment while the incident still reaches RecordOutcome', async () => {
    const { executionArn, scenario } = await harness.start(nextIncidentId('knowledge-down'), {
      Knowledge: () => {
        throw new PermanentError('Lumos.KnowledgeUnavailable', 'index not built');
      },
    });

    const described = await waitForEnd(harness.sfn, executionArn);

    expect(described.status).toBe('SUCCEEDED');
    const degraded = [
      { agent: 'knowledge', ok: false, error: 'Lumos.KnowledgeUnavailable' },
      ...healthyEnrichment.slice(1),
    ];
    expect(outputOf(described)).toMatchObject({ enrichment: degraded, outcome: 'executed' });
    expect(scenario.payloadsOf('Plan')[0]).toMatchObject({ enrichment: degraded });
    expect(await statesEntered(harness.sfn, executionArn)).toEqual(
      expect.arrayContaining(['Knowledge', 'KnowledgeDegraded', 'Plan', 'RecordOutcome']),
    );
    expect(scenario.payloadsOf('RecordOutcome')).toHaveLength(1);
    expect(scenario.payloadsOf('FlagForHuman')).toHaveLength(0);
  });

  test('when every enrichment agent fails, each branch degrades on its own and the incident still reaches RecordOutcome', async () => {
    const fail = (name: string) => () => {
      throw new PermanentError(name, 'down');
    };
    const { executionArn, scenario } = await harness.start(nextIncidentId('enrichment-down'), {
      Knowledge: fail('Lumos.KnowledgeUnavailable'),
      Sentiment: fail('ModelOutputInvalidError'),
      LogAnalysis: fail('UnknownLogSourceError'),
      Dependency: fail('InvalidTopologyExportError'),
    });

    const described = await waitForEnd(harness.sfn, executionArn);

    expect(described.status).toBe('SUCCEEDED');
    expect(outputOf(described)).toMatchObject({
      outcome: 'executed',
      enrichment: [
        { agent: 'knowledge', ok: false, error: 'Lumos.KnowledgeUnavailable' },
        { agent: 'sentiment', ok: false, error: 'ModelOutputInvalidError' },
        { agent: 'log-analysis', ok: false, error: 'UnknownLogSourceError' },
        { agent: 'dependency', ok: false, error: 'InvalidTopologyExportError' },
      ],
    });
    expect(await statesEntered(harness.sfn, executionArn)).toEqual(
      expect.arrayContaining(['SentimentDegraded', 'LogAnalysisDegraded', 'DependencyDegraded', 'RecordOutcome']),
    );
    expect(scenario.payloadsOf('FlagForHuman')).toHaveLength(0);
  });

  test('a transient failure of an enrichment agent is retried, and the result of the retry is used', async () => {
    const { executionArn, scenario } = await harness.start(nextIncidentId('logs-flaky'), {
      LogAnalysis: (_payload, attempt) => {
        if (attempt === 1) throw new TransientError('Logs Insights query did not finish in time');
        return { status: 'analysed', anomalyCount: 5 };
      },
    });

    const described = await waitForEnd(harness.sfn, executionArn);

    expect(described.status).toBe('SUCCEEDED');
    expect(scenario.payloadsOf('LogAnalysis')).toHaveLength(2);
    expect(outputOf(described).enrichment).toContainEqual({
      agent: 'log-analysis',
      ok: true,
      status: 'analysed',
      anomalyCount: 5,
    });
  });

  test('starting the same execution name again returns the one running execution and refuses a different input', async () => {
    const incidentId = nextIncidentId('idempotent');
    const { executionArn, scenario } = await harness.start(incidentId, { Plan: () => gatedPlan(30, 10) });
    const request = await scenario.nextApprovalRequest();
    const first = await harness.sfn.send(new DescribeExecutionCommand({ executionArn }));

    const again = await harness.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: harness.stateMachineArn,
        name: incidentId,
        input: JSON.stringify({ incidentId }),
      }),
    );
    expect(again.executionArn).toBe(executionArn);
    expect(again.startDate).toEqual(first.startDate);
    await expect(
      harness.sfn.send(
        new StartExecutionCommand({
          stateMachineArn: harness.stateMachineArn,
          name: incidentId,
          input: JSON.stringify({ incidentId, other: true }),
        }),
      ),
    ).rejects.toBeInstanceOf(ExecutionAlreadyExists);

    await approve(request.taskToken as string, { decision: 'approve' });
    await waitForEnd(harness.sfn, executionArn);
    const { executions } = await harness.sfn.send(
      new ListExecutionsCommand({ stateMachineArn: harness.stateMachineArn, maxResults: 1000 }),
    );
    expect(executions?.filter((execution) => execution.name === incidentId)).toHaveLength(1);
    expect(scenario.payloadsOf('Triage')).toHaveLength(1);
    // As in AWS, a name whose execution has ended cannot be started again (for 90 days there).
    await expect(
      harness.sfn.send(
        new StartExecutionCommand({
          stateMachineArn: harness.stateMachineArn,
          name: incidentId,
          input: JSON.stringify({ incidentId }),
        }),
      ),
    ).rejects.toBeInstanceOf(ExecutionAlreadyExists);
  });

  test('a task token completes its task once; using it again answers TaskTimedOut and a made-up token InvalidToken', async () => {
    const { executionArn, scenario } = await harness.start(nextIncidentId('token-once'), {
      Plan: () => gatedPlan(30, 10),
    });
    const request = await scenario.nextApprovalRequest();
    const taskToken = request.taskToken as string;

    await approve(taskToken, { decision: 'approve' });
    await expect(approve(taskToken, { decision: 'reject' })).rejects.toBeInstanceOf(TaskTimedOut);
    await expect(
      harness.sfn.send(new SendTaskFailureCommand({ taskToken, error: 'Late', cause: 'too late' })),
    ).rejects.toBeInstanceOf(TaskTimedOut);
    await expect(approve('not-a-token-this-service-issued', { decision: 'approve' })).rejects.toBeInstanceOf(
      InvalidToken,
    );

    const described = await waitForEnd(harness.sfn, executionArn);
    expect(outputOf(described)).toMatchObject({ approval: { decision: 'approve' }, outcome: 'executed' });
  });

  test('StopExecution aborts an execution waiting at the gate and retires its token', async () => {
    const { executionArn, scenario } = await harness.start(nextIncidentId('stopped'), {
      Plan: () => gatedPlan(30, 10),
    });
    const request = await scenario.nextApprovalRequest();

    const stopped = await harness.sfn.send(
      new StopExecutionCommand({ executionArn, error: 'Operator.Cancelled', cause: 'duplicate incident' }),
    );
    const described = await harness.sfn.send(new DescribeExecutionCommand({ executionArn }));

    expect(stopped.stopDate).toBeInstanceOf(Date);
    expect(described).toMatchObject({ status: 'ABORTED', error: 'Operator.Cancelled', cause: 'duplicate incident' });
    await expect(approve(request.taskToken as string, { decision: 'approve' })).rejects.toBeInstanceOf(TaskTimedOut);
    const history = await historyOf(harness.sfn, executionArn);
    expect(history.at(-1)?.type).toBe('ExecutionAborted');
    expect(scenario.payloadsOf('ExecutePlan')).toHaveLength(0);
  });

  test('a fulfilled service request skips planning and goes straight to the handoff check and write-back', async () => {
    const { executionArn, scenario } = await harness.start(nextIncidentId('fulfilled'), {
      Fulfilment: () => ({ status: 'fulfilled', itemId: 'password-reset' }),
    });

    const described = await waitForEnd(harness.sfn, executionArn);

    expect(described.status).toBe('SUCCEEDED');
    expect(outputOf(described)).toMatchObject({
      outcome: 'executed',
      fulfilment: { status: 'fulfilled' },
      firstResponse: { status: 'written' },
    });
    expect(scenario.payloadsOf('Plan')).toHaveLength(0);
    expect(scenario.payloadsOf('Handoff')[0]).toMatchObject({ outcome: 'executed' });
    expect(scenario.payloadsOf('WriteBack')).toHaveLength(1);
    expect(scenario.payloadsOf('RecordOutcome')[0]).toMatchObject({ outcome: 'executed' });
  });

  test('every outcome passes through the handoff agent with that outcome before it is recorded', async () => {
    const { executionArn, scenario } = await harness.start(nextIncidentId('handoff-escalated'), {
      Plan: () => gatedPlan(1, 5),
    });
    await scenario.nextApprovalRequest();
    await waitForEnd(harness.sfn, executionArn);

    expect(scenario.payloadsOf('Handoff')[0]).toMatchObject({ outcome: 'escalated' });
    const entered = await statesEntered(harness.sfn, executionArn);
    expect(entered.slice(entered.indexOf('Escalated'))).toEqual([
      'Escalated',
      'StartVerification',
      'VerifyRecovery',
      'RecoveryDecision',
      'Handoff',
      'WriteBack',
      'RecordOutcome',
      'Postmortem',
    ]);
    expect(entered).not.toContain('ExecutePlan');
  });

  test('a write-back the ITSM keeps refusing flags the incident for a person', async () => {
    const { executionArn, scenario } = await harness.start(nextIncidentId('writeback-fails'), {
      FirstResponse: () => {
        throw new PermanentError('ItsmRejectedError', 'servicenow PATCH answered 400');
      },
    });

    const described = await waitForEnd(harness.sfn, executionArn);

    expect(described.status).toBe('SUCCEEDED');
    expect(scenario.payloadsOf('FirstResponse')).toHaveLength(1);
    expect(scenario.payloadsOf('Plan')).toHaveLength(0);
    expect(scenario.payloadsOf('FlagForHuman')[0]).toMatchObject({ error: { Error: 'ItsmRejectedError' } });
  });

  test('the API lists and describes the state machine, its executions and their histories', async () => {
    const { executionArn } = await harness.start(nextIncidentId('listing'));
    await waitForEnd(harness.sfn, executionArn);

    const { stateMachines } = await harness.sfn.send(new ListStateMachinesCommand({}));
    expect(stateMachines).toEqual([
      {
        stateMachineArn: harness.stateMachineArn,
        name: STATE_MACHINE_NAME,
        type: 'STANDARD',
        creationDate: expect.any(Date),
      },
    ]);
    const machine = await harness.sfn.send(
      new DescribeStateMachineCommand({ stateMachineArn: harness.stateMachineArn }),
    );
    expect(machine).toMatchObject({ status: 'ACTIVE', type: 'STANDARD', roleArn: expect.stringContaining(':role/') });
    expect(machine.definition).toContain('function:lumos-Triage');
    expect(machine.definition).not.toContain('${');

    const { executions } = await harness.sfn.send(
      new ListExecutionsCommand({ stateMachineArn: harness.stateMachineArn, maxResults: 1000 }),
    );
    expect(executions?.[0]).toMatchObject({ executionArn, status: 'SUCCEEDED', startDate: expect.any(Date) });
    expect(executions?.[0]?.stopDate?.getTime()).toBeGreaterThanOrEqual(executions?.[0]?.startDate?.getTime() ?? 0);
    const starts = (executions ?? []).map((execution) => execution.startDate!.getTime());
    expect(starts).toEqual([...starts].sort((a, b) => b - a));
    const succeeded = await harness.sfn.send(
      new ListExecutionsCommand({ stateMachineArn: harness.stateMachineArn, statusFilter: 'ABORTED' }),
    );
    expect(succeeded.executions?.every((execution) => execution.status === 'ABORTED')).toBe(true);

    const described = await harness.sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect(described).toMatchObject({
      executionArn,
      stateMachineArn: harness.stateMachineArn,
      name: executionArn.split(':').at(-1),
      status: 'SUCCEEDED',
      input: expect.stringContaining('incidentId'),
    });
    expect(executionArn).toBe(
      `arn:aws:states:us-east-1:000000000000:execution:${STATE_MACHINE_NAME}:${executionArn.split(':').at(-1)}`,
    );

    const history = await historyOf(harness.sfn, executionArn);
    expect(history[0]).toMatchObject({ id: 1, previousEventId: 0, type: 'ExecutionStarted' });
    expect(history.at(-1)?.type).toBe('ExecutionSucceeded');
    history.forEach((event, index) => {
      expect(event.id).toBe(index + 1);
      expect(event.previousEventId).toBe(index);
      expect(event.timestamp).toBeInstanceOf(Date);
    });
    const firstPage = await harness.sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 5 }));
    expect(firstPage.events).toHaveLength(5);
    const secondPage = await harness.sfn.send(
      new GetExecutionHistoryCommand({ executionArn, maxResults: 5, nextToken: firstPage.nextToken }),
    );
    expect(secondPage.events?.[0]?.id).toBe(6);
    const reversed = await harness.sfn.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true }));
    expect(reversed.events?.[0]?.type).toBe('ExecutionSucceeded');

    await expect(
      harness.sfn.send(new DescribeExecutionCommand({ executionArn: `${executionArn}-missing` })),
    ).rejects.toBeInstanceOf(ExecutionDoesNotExist);
  });
});
