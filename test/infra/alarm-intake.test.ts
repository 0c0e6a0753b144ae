import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AlarmIntake } from '../../lib/constructs/alarm-intake';

function synth(buses?: string[]) {
  const stack = new Stack(new App(), 'Test');
  const handler = new lambda.Function(stack, 'Fn', {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => {}'),
  });
  new AlarmIntake(stack, 'AlarmIntake', {
    handler,
    deadLetterQueue: new sqs.Queue(stack, 'Dlq'),
    zendeskPartnerEventBuses: buses,
  });
  return Template.fromStack(stack);
}

describe('AlarmIntake', () => {
  it('routes Zendesk partner bus events to the same function with the same dead-letter queue', () => {
    const template = synth(['aws.partner/zendesk.com/123456/default']);
    const rules = Object.values(template.findResources('AWS::Events::Rule')) as {
      Properties: {
        EventBusName?: string;
        EventPattern?: unknown;
        Targets: { DeadLetterConfig?: unknown; RetryPolicy?: unknown }[];
      };
    }[];
    expect(rules).toHaveLength(2);
    const partner = rules.find((rule) => rule.Properties.EventBusName === 'aws.partner/zendesk.com/123456/default');
    expect(partner?.Properties.EventPattern).toEqual({ source: [{ prefix: 'aws.partner/zendesk.com' }] });
    expect(partner?.Properties.Targets[0]?.DeadLetterConfig).toBeDefined();
    expect(partner?.Properties.Targets[0]?.RetryPolicy).toEqual({
      MaximumEventAgeInSeconds: 3600,
      MaximumRetryAttempts: 8,
    });
  });

  it('creates only the default-bus rule when no partner bus is configured', () => {
    expect(Object.keys(synth().findResources('AWS::Events::Rule'))).toHaveLength(1);
  });
});
