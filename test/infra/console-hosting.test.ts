import { type Acknowledgment, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { ConsoleHosting, type ConsoleHostingProps } from '../../lib/constructs/console-hosting';
import { newTestApp } from './support/synth-stage';

function consoleStack(overrides: Partial<ConsoleHostingProps> = {}) {
  const app = newTestApp();
  const stack = new Stack(app, 'ConsoleTest', { env: { account: '111122223333', region: 'eu-west-1' } });
  const fn = (id: string) =>
    new lambda.Function(stack, id, {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({})'),
    });
  const hosting = new ConsoleHosting(stack, 'Console', {
    stage: 'dev',
    handlers: [
      {
        handler: fn('Incidents'),
        routes: [
          { method: 'GET', path: '/incidents', auth: 'iam' },
          { method: 'GET', path: '/incidents/{incidentId}', auth: 'iam' },
        ],
      },
      {
        handler: fn('Approvals'),
        routes: [
          { method: 'GET', path: '/approvals', auth: 'iam' },
          { method: 'POST', path: '/approvals/{approvalId}/decision', auth: 'token' },
        ],
      },
      { handler: fn('Webhooks'), routes: [{ method: 'POST', path: '/webhooks/{source}', auth: 'signature' }] },
    ],
    accessLogsBucket: new s3.Bucket(stack, 'Logs', { enforceSSL: true }),
    ...overrides,
  });
  return { app, stack, hosting, template: Template.fromStack(stack) };
}

describe('ConsoleHosting', () => {
  const { template, hosting } = consoleStack();

  it('keeps the console bucket private and serves it only through CloudFront origin access control', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LoggingConfiguration: { LogFilePrefix: 'console/' },
    });
    template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultCacheBehavior: Match.objectLike({ ViewerProtocolPolicy: 'redirect-to-https' }),
        CacheBehaviors: Match.arrayWith([
          Match.objectLike({
            PathPattern: '/incidents*',
            ViewerProtocolPolicy: 'https-only',
            AllowedMethods: Match.arrayWith(['POST']),
          }),
          Match.objectLike({ PathPattern: '/approvals*' }),
          Match.objectLike({ PathPattern: '/metrics/*' }),
        ]),
      }),
    });
  });

  it('sends a content security policy that allows only this origin and the sign-in domain', () => {
    const policies = template.findResources('AWS::CloudFront::ResponseHeadersPolicy');
    const csp = JSON.stringify(Object.values(policies)[0]);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain('amazoncognito.com');
  });

  it('lets only administrators create operators, who must use MFA, and signs them in with the code flow and no secret', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      MfaConfiguration: 'ON',
      Policies: { PasswordPolicy: Match.objectLike({ MinimumLength: 14, RequireSymbols: true }) },
    });
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      GenerateSecret: false,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthScopes: Match.arrayWith(['openid', 'email']),
    });
  });

  it('puts the catalogue iam routes behind the Cognito authorizer, keeps approval-link routes on their token and leaves webhooks off', () => {
    template.hasResourceProperties('AWS::ApiGateway::Authorizer', { Type: 'COGNITO_USER_POOLS' });
    expect(Object.keys(hosting.methods).sort()).toEqual([
      'GET /approvals',
      'GET /incidents',
      'GET /incidents/{incidentId}',
      'POST /approvals/{approvalId}/decision',
    ]);
    const methods = Object.values(template.findResources('AWS::ApiGateway::Method')).map(
      (m) => m.Properties as Record<string, unknown>,
    );
    const byAuth = (type: string) =>
      methods.filter((m) => m.AuthorizationType === type && m.HttpMethod !== 'OPTIONS').length;
    expect(byAuth('COGNITO_USER_POOLS')).toBe(3);
    expect(byAuth('NONE')).toBe(1);
  });

  it('uploads the console under /console/ with a config that names the sign-in domain and client', () => {
    template.hasResourceProperties('Custom::CDKBucketDeployment', {
      DestinationBucketKeyPrefix: 'console/',
      DistributionPaths: ['/console/*'],
    });
  });

  it('refuses a sign-in domain prefix Cognito would refuse', () => {
    expect(() => consoleStack({ domainPrefix: 'Lumos_Prod' })).toThrow(/domainPrefix/);
  });

  it('Compliance: no unacknowledged cdk-nag finding of its own, and every acknowledgement answers a real finding', () => {
    const acknowledged: Array<{ path: string; id: string }> = [];
    const spy = jest.spyOn(Validations.prototype, 'acknowledge').mockImplementation(function (
      this: Validations,
      ...rules: Acknowledgment[]
    ) {
      const scope = (this as unknown as { scope: IConstruct }).scope;
      for (const rule of rules) acknowledged.push({ path: scope.node.path, id: rule.id });
    });
    let stack: Stack;
    try {
      stack = consoleStack().stack;
    } finally {
      spy.mockRestore();
    }
    const findings = [new AwsSolutionsChecks(), new ServerlessChecks()].flatMap((pack) =>
      pack
        .validateScope(stack)
        .violations.flatMap((v) => v.violatingResources.map((r) => ({ id: v.ruleName, path: r.constructPath ?? '' }))),
    );
    // The stand-in handlers and log bucket of this test stack are not the construct's; everything else must be answered.
    const own = findings.filter((f) => !/^ConsoleTest\/(Incidents|Approvals|Webhooks|Logs)\//.test(f.path));
    const unanswered = own.filter(
      (f) => !acknowledged.some((a) => a.id === f.id && `${f.path}/`.startsWith(`${a.path}/`)),
    );
    expect(unanswered).toEqual([]);
    const stale = acknowledged.filter(
      (a) => !findings.some((f) => f.id === a.id && `${f.path}/`.startsWith(`${a.path}/`)),
    );
    expect(stale).toEqual([]);
  });
});
