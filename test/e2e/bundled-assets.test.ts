import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { functionCatalogue } from '../../lambdas/function-catalogue';
import { localFunctionArn, localSubstitutions } from '../../local/functions';
import { type LocalStepFunctions, startLocalStepFunctions } from '../../local/stepfunctions-runtime';
import { eventually, sign } from '../support/local-runtime';
import type { AwsStandIns } from './support/aws-stand-ins';
import { apiEvent, BundledFunction } from './support/bundled-functions';
import { type BundledRuntime, STATE_MACHINE, startBundledRuntime } from './support/bundled-runtime';

const projectRoot = path.resolve(__dirname, '..', '..');
const webhookSecret = 'bundled-e2e-servicenow-secret';

/** The parts of GET /incidents/{id} this test reads. */
interface IncidentView {
  incidentId: string;
  status: string;
  triage?: { priority: string; category: string };
  outcome?: { class: string };
  executionArn?: string;
  timeline: { actor: string; type: string }[];
}

describe('the bundled assets from cdk.out, run as deployed against local stand-ins', () => {
  let home: string;
  let runtime: BundledRuntime | undefined;
  let standIns: AwsStandIns | undefined;
  let sfn: LocalStepFunctions | undefined;
  const functions = new Map<string, BundledFunction>();

  const fn = (id: string): BundledFunction => {
    const found = functions.get(id);
    if (!found) throw new Error(`no bundled function ${id}`);
    return found;
  };

  beforeAll(async () => {
    home = mkdtempSync(path.join(tmpdir(), 'lumos-bundled-e2e-'));
    runtime = await startBundledRuntime({ home, webhookSecret });
    standIns = runtime.standIns;
    for (const synthesized of runtime.functions.values()) {
      functions.set(synthesized.id, new BundledFunction(synthesized, runtime.environmentOf(synthesized)));
    }

    // The real ASL with local ARNs; every Task invokes the bundled function behind its ARN.
    sfn = await startLocalStepFunctions({
      port: runtime.sfnPort,
      dataDir: path.join(home, 'stepfunctions'),
      stateMachineName: STATE_MACHINE,
      definitionPath: path.join(projectRoot, 'statemachines', 'incident.asl.json'),
      substitutions: localSubstitutions(),
      functions: new Map(
        functionCatalogue.map((spec) => [
          spec.id,
          { spec, arn: localFunctionArn(spec.id), invoke: (event: unknown) => fn(spec.id).invoke(event) },
        ]),
      ),
    });
  }, 240_000);

  afterAll(async () => {
    await Promise.all([...functions.values()].map((f) => f.stop()));
    await sfn?.stop();
    await runtime?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  /** Rethrows with what each function threw and printed, and every stand-in call: a timeout alone says nothing. */
  const failWithLogs = (error: unknown): never => {
    const logs = [...functions.values()]
      .filter((f) => f.invocations > 0)
      .map((f) => `--- ${f.fn.id} errors: ${f.errors.join(' | ') || 'none'}\n${f.logs().slice(-1500)}`);
    const calls = standIns?.calls.map((c) => `${c.service}.${c.operation}`).join(', ');
    throw new Error(`${String(error)}\n${logs.join('\n')}\ncalls: ${calls}`);
  };

  const getIncident = async (incidentId: string): Promise<IncidentView> => {
    const answer = (await fn('IncidentApi').invoke(
      apiEvent('GET', '/incidents/{incidentId}', { incidentId }, null),
    )) as APIGatewayProxyResult;
    expect(answer.statusCode).toBe(200);
    return JSON.parse(answer.body) as IncidentView;
  };

  it('carries one ServiceNow incident from the webhook through every step, a rejected approval and the handoff to its recorded outcome', async () => {
    const body = readFileSync(path.join(projectRoot, 'test/fixtures/servicenow/incident-created.json'), 'utf8');
    const accepted = (await fn('WebhookIntake').invoke(
      apiEvent('POST', '/webhooks/{source}', { source: 'servicenow' }, body, {
        'X-Lumos-Signature': sign(webhookSecret, body),
      }),
    )) as APIGatewayProxyResult;
    if (accepted.statusCode !== 202) throw new Error(`intake answered ${accepted.statusCode}: ${accepted.body}`);
    const { incidentId, status } = JSON.parse(accepted.body) as { incidentId: string; status: string };
    expect(status).toBe('created');

    // The P1 plan needs a person: the approval request reaches the approvers through SNS with personal links. One
    // approver rejects it through the Approvals API, so the incident is handed off to the team.
    const link = await eventually(
      async () =>
        standIns!.messages
          .map((m) => /\/approvals\/([^/?\s]+)\/decision\?decision=reject&token=([^\s&]+)/.exec(m.message))
          .find((match) => match !== null) ?? undefined,
      60_000,
      `the approval request for ${incidentId}`,
    ).catch(failWithLogs);
    const approvalId = decodeURIComponent(link[1]!);
    const token = decodeURIComponent(link[2]!);
    const decided = (await fn('ApprovalApi').invoke(
      apiEvent(
        'POST',
        '/approvals/{approvalId}/decision',
        { approvalId },
        JSON.stringify({ decision: 'reject', token, comment: 'not during business hours' }),
      ),
    )) as APIGatewayProxyResult;
    if (decided.statusCode !== 200) throw new Error(`decision answered ${decided.statusCode}: ${decided.body}`);

    const done = await eventually(
      async () => {
        const incident = await getIncident(incidentId);
        return incident.outcome ? incident : undefined;
      },
      90_000,
      `incident ${incidentId} to reach its recorded outcome`,
    ).catch(failWithLogs);

    expect(done).toMatchObject({ incidentId, triage: { priority: 'P1' } });
    expect(['resolved', 'escalated', 'needs_human', 'closed']).toContain(done.status);
    const execution = await eventually(
      async () => {
        const described = sfn!.engine.describeExecution(done.executionArn ?? '');
        return described.status === 'RUNNING' ? undefined : described;
      },
      30_000,
      'the execution to finish',
    );
    expect(execution.status).toBe('SUCCEEDED');

    // Every workflow step ran from its bundle in its own plain Node process.
    const ran = [...functions.values()].filter((f) => f.invocations > 0).map((f) => f.fn.id);
    expect(ran).toEqual(
      expect.arrayContaining([
        'WebhookIntake',
        'ApprovalApi',
        'Plan',
        'RequestApproval',
        'IncidentApi',
        'Triage',
        'Knowledge',
        'Sentiment',
        'LogAnalysis',
        'Dependency',
        'Diagnose',
        'EscalationRouting',
        'FirstResponse',
        'Fulfilment',
        'Handoff',
        'WriteBack',
        'RecordOutcome',
        'Postmortem',
      ]),
    );
    const events = done.timeline.map((entry) => `${entry.actor} ${entry.type}`);
    expect(events).toEqual(
      expect.arrayContaining([
        'intake incident.created',
        'triage agent.triage',
        'knowledge agent.knowledge',
        'planner approval.requested',
        expect.stringMatching(/^human:\S+ approval\.decided$/),
        'handoff agent.handoff',
        'system outcome.recorded',
      ]),
    );

    // The bundles reached AWS through the SDK the runtime provides, and only through services with a stand-in.
    const calls = standIns!.calls;
    expect(calls.filter((c) => c.service === 'unknown')).toEqual([]);
    expect(calls).toEqual(
      expect.arrayContaining([
        { service: 'secretsmanager', operation: 'GetSecretValue' },
        { service: 's3', operation: 'PutObject' },
        { service: 'bedrock', operation: 'Converse', detail: 'record_triage' },
        { service: 'bedrock', operation: 'InvokeModel', detail: 'amazon.titan-embed-text-v2:0' },
        { service: 'aoss', operation: 'Search' },
        { service: 'sns', operation: 'Publish' },
        { service: 'scheduler', operation: 'CreateSchedule' },
      ]),
    );
  }, 150_000);
});
