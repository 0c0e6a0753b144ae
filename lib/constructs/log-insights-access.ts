import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { acknowledge, iamWildcardResourceFinding } from '../compliance/nag-findings';

/** Properties of {@link LogInsightsAccess}. */
export interface LogInsightsAccessProps {
  /**
   * Log groups per service as the log-analysis agent maps them; `*` is the fallback for unlisted services and
   * `{service}` stands for the service id (e.g. `{"*": ["/aws/lambda/{service}"]}`).
   */
  readonly logGroups: Readonly<Record<string, readonly string[]>>;
}

/**
 * Read access to CloudWatch Logs Insights for the log-analysis agent: `StartQuery` only on the mapped log groups
 * (a `{service}` placeholder becomes a wildcard in the ARN, so a template grants its prefix, not the account), and
 * the query-result actions, which IAM cannot scope to a resource.
 */
export class LogInsightsAccess extends Construct {
  private readonly props: LogInsightsAccessProps;

  constructor(scope: Construct, id: string, props: LogInsightsAccessProps) {
    super(scope, id);
    for (const [service, groups] of Object.entries(props.logGroups)) {
      for (const group of groups) {
        if (!/^[\w/.#{}-]+$/.test(group))
          throw new Error(`LogInsightsAccess: '${group}' (for ${service}) is not a log group name`);
        if (group.replaceAll('{service}', '').length < 3)
          throw new Error(`LogInsightsAccess: '${group}' would grant every log group`);
      }
    }
    this.props = props;
  }

  /** Lets `role` query the mapped log groups; returns the environment (`LUMOS_LOG_GROUPS`). */
  public grantQuery(role: iam.IRole): Record<string, string> {
    const stack = Stack.of(this);
    const groups = [...new Set(Object.values(this.props.logGroups).flat())];
    if (groups.length > 0) {
      const arns = groups.map((group) =>
        stack.formatArn({
          service: 'logs',
          resource: 'log-group',
          resourceName: `${group.replaceAll('{service}', '*')}:*`,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      );
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['logs:StartQuery'], resources: arns }));
      for (const arn of arns) {
        acknowledge(
          role,
          iamWildcardResourceFinding(this, arn),
          'Logs Insights queries name log groups; the trailing :* covers the streams of one configured group, and a {service} template covers the groups of that one naming scheme only.',
        );
      }
    }
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['logs:GetQueryResults', 'logs:StopQuery'], resources: ['*'] }),
    );
    acknowledge(
      role,
      iamWildcardResourceFinding(this, '*'),
      'logs:GetQueryResults and logs:StopQuery act on a query id and support no resource-level permissions; StartQuery, which chooses the data, is scoped to the configured log groups.',
    );
    return { LUMOS_LOG_GROUPS: JSON.stringify(this.props.logGroups) };
  }
}
