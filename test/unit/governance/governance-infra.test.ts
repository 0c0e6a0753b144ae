import { Match } from 'aws-cdk-lib/assertions';
import { functionCatalogue } from '../../../lambdas/function-catalogue';
import { stageGovernanceOverrides } from '../../../lib/governance-wiring';
import { renderCfn, resourcesOfType, synthStage } from '../../infra/support/synth-stage';

// Template assertions for the governance constructs (they belong with test/infra; kept here with their owner).
const prod = synthStage('prod');
const dev = synthStage('dev');

const logicalId = (construct: { node: { defaultChild?: unknown } }) =>
  prod.stack.getLogicalId(construct.node.defaultChild as Parameters<typeof prod.stack.getLogicalId>[0]);

function statementsOfRole(roleLogicalId: string): Array<Record<string, unknown>> {
  return Object.values(resourcesOfType(prod.template, 'AWS::IAM::Policy'))
    .filter((policy) => JSON.stringify(policy.Properties.Roles).includes(`"${roleLogicalId}"`))
    .flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement);
}

describe('the audit trail', () => {
  const tableId = logicalId(prod.stack.governance.auditTrail.table);

  it('is its own table keyed by incident and seq, with PITR, a stream, and a policy that denies every item change to everyone', () => {
    prod.template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'incidentId', KeyType: 'HASH' },
        { AttributeName: 'seq', KeyType: 'RANGE' },
      ],
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
      DeletionProtectionEnabled: true,
      ResourcePolicy: {
        PolicyDocument: {
          Statement: [
            Match.objectLike({
              Effect: 'Deny',
              Principal: { AWS: '*' },
              Action: Match.arrayWith(['dynamodb:BatchWriteItem', 'dynamodb:DeleteItem', 'dynamodb:UpdateItem']),
            }),
          ],
        },
      },
    });
  });

  it('lets no function update or delete audit records', () => {
    for (const spec of functionCatalogue) {
      const statements = statementsOfRole(logicalId(prod.stack.functions[spec.id]!.role));
      const onAudit = statements.filter((s) => renderCfn(s.Resource).includes(tableId));
      const actions = onAudit.flatMap((s) => [s.Action].flat() as string[]);
      expect(actions.filter((a) => /Update|Delete|BatchWrite|PartiQL/.test(a))).toEqual([]);
    }
  });

  it('exports to a versioned bucket under compliance-mode Object Lock in prod, governance mode in disposable dev', () => {
    prod.template.hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockEnabled: true,
      VersioningConfiguration: { Status: 'Enabled' },
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 2555 } },
      },
    });
    dev.template.hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockConfiguration: { Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 1 } } },
    });
  });

  it('feeds the exporter from the stream with a dead-letter destination and partial batch failures', () => {
    prod.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      StartingPosition: 'TRIM_HORIZON',
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
  });
});

describe('timers', () => {
  it('run in a schedule group of their own, invoked by a role that may call only the timer function', () => {
    prod.template.resourceCountIs('AWS::Scheduler::ScheduleGroup', 1);
    const roleId = logicalId(prod.stack.governance.scheduler.invokeRole);
    const invoke = statementsOfRole(roleId).filter((s) => s.Action === 'lambda:InvokeFunction');
    expect(invoke.map((s) => renderCfn(s.Resource))).toEqual([
      `<${logicalId(prod.stack.functions.GovernanceTimer!.function)}.Arn>`,
    ]);
  });
});

describe('function wiring', () => {
  it('gives every policy-deciding function the governance layer, its folders and the stage overrides', () => {
    const functions = resourcesOfType(prod.template, 'AWS::Lambda::Function');
    for (const spec of functionCatalogue) {
      if (!spec.access.includes('policyBundle')) continue;
      const fn = functions[logicalId(prod.stack.functions[spec.id]!.function)]!;
      expect(fn.Properties.Layers).toHaveLength(1);
      expect((fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables).toMatchObject({
        LUMOS_POLICY_DIR: '/opt/lumos/policies',
        LUMOS_RUNBOOK_DIR: '/opt/lumos/runbooks',
        LUMOS_GOVERNANCE_OVERRIDES: expect.any(String),
      });
    }
  });

  it('lets only the approval API and the timer resume the workflow, and only they and RequestApproval read the link key', () => {
    for (const spec of functionCatalogue) {
      const actions = statementsOfRole(logicalId(prod.stack.functions[spec.id]!.role)).flatMap(
        (s) => [s.Action].flat() as string[],
      );
      expect(actions.includes('states:SendTaskSuccess')).toBe(['ApprovalApi', 'GovernanceTimer'].includes(spec.id));
    }
    const secretId = logicalId(prod.stack.governance.approvalLinks.secret);
    const readers = functionCatalogue
      .filter((spec) =>
        statementsOfRole(logicalId(prod.stack.functions[spec.id]!.role)).some((s) =>
          renderCfn(s.Resource).includes(secretId),
        ),
      )
      .map((spec) => spec.id);
    expect(readers.sort()).toEqual(['ApprovalApi', 'GovernanceTimer', 'RequestApproval']);
  });

  it('serves the decision routes without an authorizer (the signed token is the credential) and the lists with IAM', () => {
    const methods = Object.values(resourcesOfType(prod.template, 'AWS::ApiGateway::Method'));
    const auth = (method: string) =>
      methods.filter((m) => m.Properties.HttpMethod === method).map((m) => m.Properties.AuthorizationType);
    expect(auth('POST')).toContain('NONE');
    expect(auth('GET')).toContain('AWS_IAM');
  });
});

describe('stage overrides', () => {
  it('are validated at synth against governance.yaml', () => {
    expect(stageGovernanceOverrides(`${__dirname}/../../..`, 'dev')).toMatchObject({
      tiers: { medium: { timeoutSeconds: 300 } },
    });
    expect(() => stageGovernanceOverrides(`${__dirname}/../../..`, 'nonexistent')).not.toThrow();
  });
});
