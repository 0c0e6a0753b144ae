import {
  outputOf,
  PermanentError,
  startWorkflowHarness,
  statesEntered,
  TransientError,
  type WorkflowHarness,
  waitForEnd,
} from './workflow-doubles';

let harness: WorkflowHarness;
let counter = 0;
const nextIncidentId = (label: string) => `inc-diagnose-${label}-${++counter}-${Date.now()}`;

beforeAll(async () => {
  harness = await startWorkflowHarness();
});

afterAll(async () => {
  await harness.close();
});

describe('the Diagnose step of the incident state machine', () => {
  test('runs once enrichment is done and before routing, and hands its top hypothesis on', async () => {
    const { executionArn, scenario } = await harness.start(nextIncidentId('ok'));

    const described = await waitForEnd(harness.sfn, executionArn);

    expect(described.status).toBe('SUCCEEDED');
    const entered = await statesEntered(harness.sfn, executionArn);
    expect(entered.indexOf('Diagnose')).toBeGreaterThan(entered.indexOf('Enrich'));
    expect(entered.indexOf('Diagnose')).toBeLessThan(entered.indexOf('Route'));
    expect(entered).not.toContain('DiagnoseDegraded');
    expect(scenario.payloadsOf('Diagnose')).toEqual([expect.objectContaining({ incidentId: expect.any(String) })]);
    expect(outputOf(described).diagnosis).toEqual({
      ok: true,
      status: 'ok',
      confidence: 0.74,
      component: 'corp-vpn',
      failureMode: 'network',
    });
  });

  test('a diagnosis that fails for good is not retried, degrades, and the incident still gets routed and planned', async () => {
    const { executionArn, scenario } = await harness.start(nextIncidentId('down'), {
      Diagnose: () => {
        throw new PermanentError('ModelOutputInvalidError', 'the answer cited nothing');
      },
    });

    const described = await waitForEnd(harness.sfn, executionArn);

    expect(described.status).toBe('SUCCEEDED');
    expect(scenario.payloadsOf('Diagnose')).toHaveLength(1);
    expect(outputOf(described).diagnosis).toEqual({ ok: false, status: 'failed', error: 'ModelOutputInvalidError' });
    expect(await statesEntered(harness.sfn, executionArn)).toEqual(
      expect.arrayContaining(['Diagnose', 'DiagnoseDegraded', 'Route', 'Plan', 'RecordOutcome']),
    );
    expect(scenario.payloadsOf('Plan')).toHaveLength(1);
    expect(scenario.payloadsOf('FlagForHuman')).toHaveLength(0);
  });

  test('a transient diagnosis error is retried and the retry is used', async () => {
    const { executionArn, scenario } = await harness.start(nextIncidentId('flaky'), {
      Diagnose: (_payload, attempt) => {
        if (attempt === 1) throw new TransientError('Bedrock throttled');
        return { status: 'ok', confidence: 0.6, component: 'payments-api', failureMode: 'bad-deployment' };
      },
    });

    const described = await waitForEnd(harness.sfn, executionArn);

    expect(described.status).toBe('SUCCEEDED');
    expect(scenario.payloadsOf('Diagnose')).toHaveLength(2);
    expect(outputOf(described).diagnosis).toMatchObject({ ok: true, failureMode: 'bad-deployment' });
    expect(await statesEntered(harness.sfn, executionArn)).not.toContain('DiagnoseDegraded');
  });
});
