import { type Acknowledgment, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { OperationsDashboard, type OperationsDashboardProps } from '../../lib/constructs/operations-dashboard';
import { newTestApp } from './support/synth-stage';

function dashboardStack(overrides: Partial<OperationsDashboardProps> = {}, queueCount = 3) {
  const stack = new Stack(newTestApp(), 'OpsTest', { env: { account: '111122223333', region: 'eu-west-1' } });
  const stateMachine = new sfn.StateMachine(stack, 'Workflow', {
    definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'Done')),
  });
  const queues = Object.fromEntries(
    Array.from({ length: queueCount }, (_, i) => [`Fn${i}`, new sqs.Queue(stack, `Dlq${i}`, { enforceSSL: true })]),
  );
  const publisher = new lambda.Function(stack, 'Metrics', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({})'),
  });
  const ops = new OperationsDashboard(stack, 'Operations', {
    metricsNamespace: 'Lumos/test',
    stateMachine,
    deadLetterQueues: queues,
    publisher: { function: publisher, deadLetterQueue: queues.Fn0! },
    ...overrides,
  });
  return { stack, ops, template: Template.fromStack(stack) };
}

const alarmOn = (template: Template, metricName: string) =>
  Object.values(template.findResources('AWS::CloudWatch::Alarm')).find((a) => a.Properties.MetricName === metricName);

describe('OperationsDashboard', () => {
  const { template } = dashboardStack();

  it('alarms on any SLA breach and on an approval backlog that lasts 15 minutes, from the outcome metrics', () => {
    expect(alarmOn(template, 'SlaBreaches')?.Properties).toMatchObject({
      Namespace: 'Lumos/test',
      Dimensions: [{ Name: 'service', Value: 'lumos' }],
      Statistic: 'Sum',
      Threshold: 1,
      Period: 300,
    });
    expect(alarmOn(template, 'PendingApprovals')?.Properties).toMatchObject({
      Threshold: 5,
      EvaluationPeriods: 3,
      Statistic: 'Minimum',
    });
  });

  it('alarms on dead-lettered messages and failed executions when no such alarms are given', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a) =>
      JSON.stringify(a.Properties),
    );
    expect(alarms.some((a) => a.includes('ApproximateNumberOfMessagesVisible') && a.includes('q0 + q1 + q2'))).toBe(
      true,
    );
    expect(alarms.some((a) => a.includes('failed + timedOut + aborted'))).toBe(true);
  });

  it('sums many queues in groups, since an alarm expression takes at most ten metrics', () => {
    const { ops } = dashboardStack({}, 20);
    expect(ops.deadLetterAlarms).toHaveLength(3);
  });

  it('reuses existing failed-execution and dead-letter alarms instead of duplicating them', () => {
    const stack = new Stack(newTestApp(), 'Reuse');
    const existing = (id: string) =>
      new cloudwatch.Alarm(stack, id, {
        metric: new cloudwatch.Metric({ namespace: 'X', metricName: id }),
        threshold: 1,
        evaluationPeriods: 1,
      });
    const failed = existing('Failed');
    const dlq = existing('Dlq');
    const ops = new OperationsDashboard(stack, 'Ops', {
      metricsNamespace: 'Lumos/test',
      stateMachine: new sfn.StateMachine(stack, 'Workflow', {
        definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'Done')),
      }),
      deadLetterQueues: { Fn: new sqs.Queue(stack, 'Q', { enforceSSL: true }) },
      failedExecutionsAlarm: failed,
      deadLetterAlarms: [dlq],
    });
    expect(ops.failedExecutionsAlarm).toBe(failed);
    expect(ops.deadLetterAlarms).toEqual([dlq]);
    Template.fromStack(stack).resourceCountIs('AWS::CloudWatch::Alarm', 4);
  });

  it('shows every alarm, its own and the ones it was given, and names none of them', () => {
    const { ops, template: t } = dashboardStack();
    expect(ops.alarms).toHaveLength(4);
    for (const alarm of Object.values(t.findResources('AWS::CloudWatch::Alarm')))
      expect(alarm.Properties.AlarmName).toBeUndefined();
  });

  it('publishes outcome metrics every five minutes, with retries and a dead-letter queue', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(5 minutes)',
      Targets: [
        Match.objectLike({
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 1800 },
          DeadLetterConfig: Match.anyValue(),
        }),
      ],
    });
  });

  it('charts outcomes by AI and human handling, backlog and plumbing', () => {
    const body = JSON.stringify(
      Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0]!.Properties.DashboardBody,
    );
    for (const metric of [
      'TimeToAcknowledge',
      'TimeToFirstResponse',
      'TimeToResolve',
      'ApprovalLatency',
      'IncidentsResolved',
      'Escalations',
      'Overrides',
      'Reopens',
      'OpenIncidents',
      'PendingApprovals',
      'SlaBreaches',
    ]) {
      expect(body).toContain(metric);
    }
    expect(body).toContain('HandledBy');
    expect(body).toContain('ApproximateNumberOfMessagesVisible');
  });

  it('refuses to build without dead-letter queues to watch', () => {
    expect(() => dashboardStack({ deadLetterQueues: {} })).toThrow(/dead-letter queue/);
  });

  it('Compliance: raises no cdk-nag finding of its own', () => {
    const acknowledged: Acknowledgment[] = [];
    const spy = jest.spyOn(Validations.prototype, 'acknowledge').mockImplementation((...rules: Acknowledgment[]) => {
      acknowledged.push(...rules);
    });
    let stack: Stack;
    try {
      stack = dashboardStack().stack;
    } finally {
      spy.mockRestore();
    }
    const findings = [new AwsSolutionsChecks(), new ServerlessChecks()].flatMap((pack) =>
      pack
        .validateScope(stack)
        .violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} ${r.constructPath}`)),
    );
    expect(findings.filter((f) => f.includes('/Operations/'))).toEqual([]);
    expect(acknowledged).toEqual([]);
    expect((stack as IConstruct).node.path).toBe('OpsTest');
  });
});
