import { RemovalPolicy } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { acknowledge } from '../compliance/nag-findings';

/** Properties of {@link WebhookSecrets}. */
export interface WebhookSecretsProps {
  /** What happens to the secret when the stack is deleted. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The webhook signing secrets, one JSON secret `{"servicenow": "...", "jira": "...", ...}`. It is created with a
 * generated `default` entry, which every source without its own entry uses; operators add per-source entries (the
 * values each sending system is configured with) after the first deployment.
 */
export class WebhookSecrets extends Construct {
  /** The secret (encrypted with the AWS-managed Secrets Manager key). */
  public readonly secret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: WebhookSecretsProps = {}) {
    super(scope, id);
    this.secret = new secretsmanager.Secret(this, 'Secret', {
      description:
        'Lumos webhook signing secrets as JSON {"<source>": "<secret>"}; "default" serves sources without their own entry',
      generateSecretString: {
        secretStringTemplate: '{}',
        generateStringKey: 'default',
        passwordLength: 48,
        // Senders' admin UIs take the value by copy and paste; punctuation only invites quoting mistakes.
        excludePunctuation: true,
      },
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    acknowledge(
      this.secret,
      'AwsSolutions-SMG4',
      'Rotation is not configured: these are shared secrets also held by the sending systems (ServiceNow, Jira, Zendesk, PagerDuty, Alertmanager, Grafana); rotating them here without re-configuring each sender would reject every webhook, so rotation is a coordinated runbook step.',
    );
  }

  /** The secret ARN, for `WEBHOOK_SECRETS_ARN`. */
  public get secretArn(): string {
    return this.secret.secretArn;
  }

  /** Lets `grantee` read the secret value (GetSecretValue/DescribeSecret on this secret only). */
  public grantReadSecrets(grantee: iam.IGrantable): iam.Grant {
    return this.secret.grantRead(grantee);
  }
}
