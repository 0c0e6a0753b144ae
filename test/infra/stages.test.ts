import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { addLumosStage, stackNameFor } from '../../lib/lumos-app';
import { cdkJsonContext, newTestApp } from './support/synth-stage';

const projectRoot = path.join(__dirname, '..', '..');

/** Top-level properties that give a resource an account- or region-wide physical name. */
const PHYSICAL_NAME_PROPERTIES = [
  'TableName',
  'FunctionName',
  'BucketName',
  'QueueName',
  'TopicName',
  'RoleName',
  'ManagedPolicyName',
  'LogGroupName',
  'StateMachineName',
  'AlarmName',
  'AliasName',
  'KeyName',
];
/** Resource types whose `Name` is unique per account and region (for the others, `Name` is only a label). */
const TYPES_WITH_UNIQUE_NAME = ['AWS::SecretsManager::Secret', 'AWS::Events::Rule', 'AWS::Events::EventBus'];

/** A name written into the template (literal or assembled), as opposed to a reference to another resource. */
const isNameValue = (value: unknown): boolean =>
  typeof value === 'string' ||
  (typeof value === 'object' && value !== null && ('Fn::Join' in value || 'Fn::Sub' in value));

describe('stages', () => {
  it('synthesizes dev and prod side by side in one app, as two stacks in one account would be', () => {
    const app = newTestApp();
    const dev = addLumosStage(app, 'dev', { complianceGate: false });
    const prod = addLumosStage(app, 'prod', { complianceGate: false });
    expect([dev.stackName, prod.stackName]).toEqual(['Lumos-dev', 'Lumos-prod']);

    for (const stack of [dev, prod]) {
      const template = Template.fromStack(stack).toJSON() as {
        Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
        Outputs?: Record<string, { Export?: unknown }>;
      };
      const named = Object.entries(template.Resources).flatMap(([id, resource]) =>
        Object.entries(resource.Properties ?? {})
          .filter(
            ([key, value]) =>
              isNameValue(value) &&
              (PHYSICAL_NAME_PROPERTIES.includes(key) ||
                (key === 'Name' && TYPES_WITH_UNIQUE_NAME.includes(resource.Type))),
          )
          .map(([key]) => `${id}.${key}`),
      );
      expect(named).toEqual([]);
      const exported = Object.entries(template.Outputs ?? {}).filter(([, output]) => output.Export !== undefined);
      expect(exported).toEqual([]);
    }
  });

  it('names each stage stack Lumos-<stage>', () => {
    expect(stackNameFor('staging')).toBe('Lumos-staging');
  });
});

describe('bin/lumos.ts', () => {
  const runApp = (context: Record<string, unknown>) => {
    const outdir = mkdtempSync(path.join(tmpdir(), 'lumos-bin-'));
    const result = spawnSync(path.join(projectRoot, 'node_modules', '.bin', 'tsx'), ['bin/lumos.ts'], {
      cwd: projectRoot,
      encoding: 'utf8',
      env: {
        ...process.env,
        CDK_OUTDIR: outdir,
        CDK_CONTEXT_JSON: JSON.stringify({ ...cdkJsonContext, 'aws:cdk:bundling-stacks': [], ...context }),
        CDK_DEFAULT_ACCOUNT: '',
        CDK_DEFAULT_REGION: '',
      },
    });
    return { ...result, outdir };
  };

  it('synthesizes Lumos-staging for -c stage=staging, environment-agnostic', () => {
    const result = runApp({ stage: 'staging' });
    expect(result.status).toBe(0);
    const manifest = JSON.parse(readFileSync(path.join(result.outdir, 'manifest.json'), 'utf8')) as {
      artifacts: Record<string, { type: string; environment?: string }>;
    };
    expect(manifest.artifacts['Lumos-staging']).toMatchObject({
      type: 'aws:cloudformation:stack',
      environment: 'aws://unknown-account/unknown-region',
    });
    expect(existsSync(path.join(result.outdir, 'Lumos-dev.template.json'))).toBe(false);
  });

  it('refuses an unknown stage with a one-line explanation and exit code 1', () => {
    const result = runApp({ stage: 'qa' });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(
      "Unknown stage 'qa'. Choose one of: dev, staging, prod (for example: cdk synth -c stage=dev).",
    );
  });
});
