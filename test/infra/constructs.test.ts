import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
// cdk-nag's own renderer is the oracle: finding ids must match what the rules emit, character for character.
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference';
import { iamWildcardResourceFinding } from '../../lib/compliance/nag-findings';
import { IncidentWorkflow, UnresolvedSubstitutionError } from '../../lib/constructs/incident-workflow';
import { LumosFunction } from '../../lib/constructs/lumos-function';
import { WebhookApi } from '../../lib/constructs/webhook-api';
import { newTestApp } from './support/synth-stage';

const projectRoot = path.join(__dirname, '..', '..');
const anyHandler = path.join(projectRoot, 'lambdas', 'workflow', 'plan', 'handler.ts');

describe('cdk-nag finding ids', () => {
  it('spell a wildcard object ARN exactly as AwsSolutions-IAM5 reports it', () => {
    const stack = new Stack(newTestApp(), 'Findings');
    const bucket = new s3.Bucket(stack, 'Archive');
    const arn = bucket.arnForObjects('*');
    const expected = `AwsSolutions-IAM5[Resource::${flattenCfnReference(stack.resolve(arn))}]`;
    expect(iamWildcardResourceFinding(stack, arn)).toBe(expected);
    expect(expected).toMatch(/^AwsSolutions-IAM5\[Resource::<Archive[0-9A-F]{8}\.Arn>\/\*\]$/);
  });

  it('spell a formatted ARN with pseudo parameters exactly as AwsSolutions-IAM5 reports it', () => {
    const stack = new Stack(newTestApp(), 'Findings');
    const arn = stack.formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: 'machine:*',
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    expect(iamWildcardResourceFinding(stack, arn)).toBe(
      `AwsSolutions-IAM5[Resource::${flattenCfnReference(stack.resolve(arn))}]`,
    );
  });
});

describe('IncidentWorkflow', () => {
  it('refuses a definition that references a function nobody provides', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lumos-asl-'));
    const definitionFile = path.join(dir, 'machine.asl.json');
    writeFileSync(
      definitionFile,
      JSON.stringify({
        StartAt: 'Triage',
        States: {
          Triage: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke',
            // biome-ignore lint/suspicious/noTemplateCurlyInString: an ASL DefinitionSubstitutions placeholder, not a template
            Parameters: { FunctionName: '${TriageFunctionArn}' },
            Next: 'Ghost',
          },
          Ghost: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke',
            // biome-ignore lint/suspicious/noTemplateCurlyInString: an ASL DefinitionSubstitutions placeholder, not a template
            Parameters: { FunctionName: '${GhostFunctionArn}' },
            End: true,
          },
        },
      }),
    );
    const stack = new Stack(newTestApp(), 'Workflow');
    const triage = new LumosFunction(stack, 'Triage', {
      entry: anyHandler,
      description: 'test',
      serviceName: 'lumos-triage',
    });
    expect(
      () =>
        new IncidentWorkflow(stack, 'Workflow', {
          definitionFile,
          functions: { TriageFunctionArn: triage },
          logEncryptionKey: new kms.Key(stack, 'Key'),
        }),
    ).toThrow(UnresolvedSubstitutionError);
  });
});

describe('LumosFunction', () => {
  it('refuses a relative entry, which would resolve against whatever directory cdk runs in', () => {
    const stack = new Stack(newTestApp(), 'Functions');
    expect(
      () =>
        new LumosFunction(stack, 'Plan', {
          entry: 'lambdas/workflow/plan/handler.ts',
          description: 'test',
          serviceName: 'lumos-plan',
        }),
    ).toThrow(/absolute path/);
  });
});

describe('WebhookApi', () => {
  it('refuses two functions serving the same route', () => {
    const stack = new Stack(newTestApp(), 'Api');
    const handler = (id: string) =>
      new lambda.Function(stack, id, {
        runtime: lambda.Runtime.NODEJS_24_X,
        handler: 'index.handler',
        code: lambda.Code.fromInline('exports.handler = async () => ({});'),
      });
    const route = { method: 'GET', path: '/incidents', auth: 'iam' } as const;
    expect(
      () =>
        new WebhookApi(stack, 'Api', {
          handlers: [
            { handler: handler('First'), routes: [route] },
            { handler: handler('Second'), routes: [route] },
          ],
        }),
    ).toThrow(/two handlers serve GET \/incidents/);
  });
});
