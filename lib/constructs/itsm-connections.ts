import { RemovalPolicy } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { acknowledge } from '../compliance/nag-findings';

/** Properties of {@link ItsmConnections}. */
export interface ItsmConnectionsProps {
  /** What happens to the secret when the stack is deleted. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Where Lumos writes back: one JSON secret `{"servicenow": {"baseUrl", "credentials"}, "jira": {...}, ...}` holding
 * each ITSM's base URL and credentials (basic, API token or OAuth). Created empty: until an operator fills it, every
 * write is recorded on the incident as not configured rather than failing the workflow.
 */
export class ItsmConnections extends Construct {
  /** The secret (encrypted with the AWS-managed Secrets Manager key). */
  public readonly secret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: ItsmConnectionsProps = {}) {
    super(scope, id);
    this.secret = new secretsmanager.Secret(this, 'Secret', {
      description: 'Lumos ITSM connections as JSON {"<servicenow|jira|zendesk>": {"baseUrl", "credentials"}}',
      secretObjectValue: {},
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    acknowledge(
      this.secret,
      'AwsSolutions-SMG4',
      'Rotation is not configured: these are credentials issued by each ITSM (API tokens, OAuth clients); they are rotated in the ITSM and then stored here, which a Secrets Manager rotation function cannot do on its own.',
    );
  }

  /** The secret ARN, for `ITSM_SECRETS_ARN`. */
  public get secretArn(): string {
    return this.secret.secretArn;
  }

  /** Lets `grantee` read the connections (GetSecretValue/DescribeSecret on this secret only). */
  public grantRead(grantee: iam.IGrantable): iam.Grant {
    return this.secret.grantRead(grantee);
  }
}
