import {
  gatedPlan,
  outputOf,
  PermanentError,
  startWorkflowHarness,
  statesEntered,
  type WorkflowHarness,
  waitForEnd,
} from './workflow-doubles';

let harness: WorkflowHarness;
let counter = 0;
const nextIncidentId = (label: string) => `inc-verify-${label}-${++counter}-${Date.now()}`;

beforeAll(async () => {
  harness = await startWorkflowHarness();
});
afterAll(async () => {
  await harness.close();
});

/** A VerifyRecovery double answering the given statuses in turn (the last one repeats). */
const verdicts =
  (statuses: string[], waitSeconds = 0) =>
  (_payload: Record<string, unknown>, attempt: number) => ({
    status: statuses[Math.min(attempt, statuses.length) - 1],
    attempts: attempt,
    waitSeconds,
    startedAt: '2026-12-03T10:00:00.000Z',
    deadline: '2026-12-03T10:05:00.000Z',
  });

const REGION_AFTER_EXECUTE = (entered: string[]) => entered.slice(entered.indexOf('ExecutePlan'));

describe('the recovery verification loop after ExecutePlan', () => {
  test('waits and polls while recovery is pending, carrying the attempt count, then hands off once recovered', async () => {
    const { executionArn, scenario } = await harness.start(nextIncidentId('pending'), {
      VerifyRecovery: verdicts(['pending', 'pending', 'recovered'], 1),
    });
    const described = await waitForEnd(harness.sfn, executionArn);
    expect(described.status).toBe('SUCCEEDED');
    expect(scenario.payloadsOf('VerifyRecovery').map((p) => (p.previous as { attempts: number }).attempts)).toEqual([
      0, 1, 2,
    ]);
    expect(REGION_AFTER_EXECUTE(await statesEntered(harness.sfn, executionArn))).toEqual([
      'ExecutePlan',
      'Executed',
      'StartVerification',
      'VerifyRecovery',
      'RecoveryDecision',
      'WaitForRecovery',
      'VerifyRecovery',
      'RecoveryDecision',
      'WaitForRecovery',
      'VerifyRecovery',
      'RecoveryDecision',
      'Handoff',
      'WriteBack',
      'RecordOutcome',
      'Postmortem',
    ]);
    expect(outputOf(described).verification).toMatchObject({ status: 'recovered', attempts: 3 });
    expect(scenario.payloadsOf('Handoff')[0]).toMatchObject({ outcome: 'executed' });
  });

  test.each(['not-recovered', 'self-recovered', 'skipped'])(
    'a %s verdict goes straight to the handoff without waiting',
    async (status) => {
      const { executionArn, scenario } = await harness.start(nextIncidentId(status), {
        VerifyRecovery: verdicts([status]),
      });
      const described = await waitForEnd(harness.sfn, executionArn);
      expect(described.status).toBe('SUCCEEDED');
      const entered = await statesEntered(harness.sfn, executionArn);
      expect(entered).not.toContain('WaitForRecovery');
      expect(entered.slice(entered.indexOf('RecoveryDecision'))).toEqual([
        'RecoveryDecision',
        'Handoff',
        'WriteBack',
        'RecordOutcome',
        'Postmortem',
      ]);
      expect(scenario.payloadsOf('VerifyRecovery')).toHaveLength(1);
      expect(outputOf(described).verification).toMatchObject({ status });
    },
  );

  test('an approval nobody answers still goes through verification, and the handoff gets the escalated outcome', async () => {
    const { executionArn, scenario } = await harness.start(nextIncidentId('escalated'), {
      Plan: () => gatedPlan(1, 5),
      VerifyRecovery: verdicts(['pending', 'self-recovered'], 0),
    });
    await scenario.nextApprovalRequest();
    const described = await waitForEnd(harness.sfn, executionArn);
    expect(described.status).toBe('SUCCEEDED');
    const entered = await statesEntered(harness.sfn, executionArn);
    expect(entered).not.toContain('ExecutePlan');
    expect(entered.slice(entered.indexOf('Escalate'))).toEqual([
      'Escalate',
      'Escalated',
      'StartVerification',
      'VerifyRecovery',
      'RecoveryDecision',
      'WaitForRecovery',
      'VerifyRecovery',
      'RecoveryDecision',
      'Handoff',
      'WriteBack',
      'RecordOutcome',
      'Postmortem',
    ]);
    expect(scenario.payloadsOf('Handoff')[0]).toMatchObject({ outcome: 'escalated' });
    expect(outputOf(described).verification).toMatchObject({ status: 'self-recovered', attempts: 2 });
  });

  test('the state machine itself stops a loop that stays pending after 30 polls and hands the incident to a person', async () => {
    const { executionArn, scenario } = await harness.start(nextIncidentId('bounded'), {
      VerifyRecovery: verdicts(['pending'], 0),
    });
    const described = await waitForEnd(harness.sfn, executionArn, 60_000);
    expect(described.status).toBe('SUCCEEDED');
    expect(scenario.payloadsOf('VerifyRecovery')).toHaveLength(30);
    expect(scenario.payloadsOf('Handoff')).toHaveLength(1);
    expect(outputOf(described).verification).toMatchObject({ status: 'pending', attempts: 30 });
  }, 90_000);

  test('a verification that fails for good flags the incident for a person', async () => {
    const { executionArn, scenario } = await harness.start(nextIncidentId('verify-fails'), {
      VerifyRecovery: () => {
        throw new PermanentError('Error', 'cannot read the incident');
      },
    });
    await waitForEnd(harness.sfn, executionArn);
    expect(scenario.payloadsOf('FlagForHuman')[0]).toMatchObject({ error: { Error: 'Error' } });
    expect(scenario.payloadsOf('Handoff')).toHaveLength(0);
  });

  test("a fulfilled request skips verification: its runbook's post-checks already passed", async () => {
    const { executionArn, scenario } = await harness.start(nextIncidentId('no-exec'), {
      Fulfilment: () => ({ status: 'fulfilled' }),
    });
    await waitForEnd(harness.sfn, executionArn);
    expect(scenario.payloadsOf('VerifyRecovery')).toHaveLength(0);
    expect(await statesEntered(harness.sfn, executionArn)).toContain('Postmortem');
  });

  test('a postmortem that cannot be written ends the workflow without flagging the recorded incident', async () => {
    const { executionArn, scenario } = await harness.start(nextIncidentId('postmortem-fails'), {
      Postmortem: () => {
        throw new PermanentError('ItsmRejectedError', 'servicenow PATCH answered 400');
      },
    });
    const described = await waitForEnd(harness.sfn, executionArn);
    expect(described.status).toBe('SUCCEEDED');
    expect(scenario.payloadsOf('FlagForHuman')).toHaveLength(0);
    expect((await statesEntered(harness.sfn, executionArn)).slice(-2)).toEqual(['Postmortem', 'PostmortemNotWritten']);
    expect(outputOf(described).error).toMatchObject({ Error: 'ItsmRejectedError' });
  });
});
