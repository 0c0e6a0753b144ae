import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Renders a CloudFormation value the way cdk-nag names it in a finding id: `Fn::GetAtt` as `<LogicalId.Attr>`,
 * `Ref` as `<LogicalId>`, `Fn::Join` joined, `${...}` in `Fn::Sub` as `<...>`. cdk-nag 3 acknowledges IAM wildcard
 * findings one by one (`AwsSolutions-IAM5[Resource::<Bucket.Arn>/*]`), so the id must match exactly.
 */
function renderForFinding(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (Array.isArray(value)) return JSON.stringify(value);
  if (typeof value === 'object') {
    const node = value as Record<string, unknown>;
    if (Array.isArray(node['Fn::Join'])) {
      const [delimiter, parts] = node['Fn::Join'] as [string, unknown[]];
      return parts.map(renderForFinding).join(delimiter);
    }
    if (node['Fn::Sub'] !== undefined) return renderForFinding(node['Fn::Sub']);
    if (Array.isArray(node['Fn::GetAtt'])) {
      const [logicalId, attribute] = node['Fn::GetAtt'] as [unknown, unknown];
      return `<${renderForFinding(logicalId)}.${renderForFinding(attribute)}>`;
    }
    if (node['Fn::ImportValue'] !== undefined) return renderForFinding(node['Fn::ImportValue']);
    if (node.Ref !== undefined) return `<${renderForFinding(node.Ref)}>`;
  }
  return JSON.stringify(value);
}

/**
 * The cdk-nag finding id for an IAM policy resource, e.g. `AwsSolutions-IAM5[Resource::<Table.Arn>/index/*]`.
 * @param scope any construct in the stack that owns `resourceArn`
 * @param resourceArn the ARN string (usually a token) exactly as it appears in the policy statement
 */
export function iamWildcardResourceFinding(scope: IConstruct, resourceArn: string): string {
  return `AwsSolutions-IAM5[Resource::${renderForFinding(Stack.of(scope).resolve(resourceArn))}]`;
}

/** The cdk-nag finding id for a wildcard IAM action, e.g. `AwsSolutions-IAM5[Action::xray:*]`. */
export function iamWildcardActionFinding(action: string): string {
  return `AwsSolutions-IAM5[Action::${action}]`;
}

/**
 * Acknowledges one cdk-nag rule (or one finding of it) on `scope` and everything below it. The reason is mandatory
 * and must say why the finding is acceptable here; prefer the narrowest scope that owns the finding.
 */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  if (reason.trim().length < 20) throw new Error(`acknowledgement of ${id} needs a specific reason, got '${reason}'`);
  Validations.of(scope).acknowledge({ id, reason });
}
