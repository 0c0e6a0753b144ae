import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/** Global secondary indexes of the incident table, as the store adapter queries them. */
export const INCIDENT_INDEXES = {
  /** Newest-first listing: partition `entity` (e.g. `INCIDENT`), sort `createdAt`. */
  byCreated: { partitionKey: 'entity', sortKey: 'createdAt' },
  /** Correlation: incidents sharing a signal fingerprint, newest first. */
  byFingerprint: { partitionKey: 'fingerprint', sortKey: 'createdAt' },
} as const;

/** The attribute DynamoDB's TTL reads (epoch seconds); delivery (idempotency) items expire through it. */
export const INCIDENT_TTL_ATTRIBUTE = 'expiresAt';

const READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:ConditionCheckItem'];
const WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];

/** Properties of {@link IncidentStore}. */
export interface IncidentStoreProps {
  /** Continuous backups with 35-day point-in-time restore. @default true */
  readonly pointInTimeRecovery?: boolean;
  /** Refuse `DeleteTable` until this is switched off. @default false */
  readonly deletionProtection?: boolean;
  /** What happens to the table when the stack is deleted. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The single incident-context table: `pk`/`sk` strings; incident items `INCIDENT#<id>`/`META`, delivery items
 * `DELIVERY#<id>`/`DELIVERY` that expire through TTL `expiresAt`; GSIs `byCreated` and `byFingerprint`.
 *
 * A plain `dynamodb.Table` (AWS::DynamoDB::Table), not `TableV2` (AWS::DynamoDB::GlobalTable): the stage lives in
 * one region, cdk-nag's DynamoDB rules (AwsSolutions-DDB3, point-in-time recovery) inspect only
 * AWS::DynamoDB::Table and would silently skip a global table, and the local runtime mirrors exactly this shape.
 * Encryption uses the AWS-managed key (aws/dynamodb): readers need no KMS permissions of their own, so the grants
 * below stay free of `kms:*` wildcards; a customer-managed key would add key-policy control nobody needs yet.
 */
export class IncidentStore extends Construct {
  /** The table. Prefer the grant methods here over `table.grant*`: they name exact actions and index ARNs. */
  public readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: IncidentStoreProps = {}) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: INCIDENT_TTL_ATTRIBUTE,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: props.pointInTimeRecovery ?? true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      deletionProtection: props.deletionProtection ?? false,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    for (const [indexName, keys] of Object.entries(INCIDENT_INDEXES)) {
      this.table.addGlobalSecondaryIndex({
        indexName,
        partitionKey: { name: keys.partitionKey, type: dynamodb.AttributeType.STRING },
        sortKey: { name: keys.sortKey, type: dynamodb.AttributeType.STRING },
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }
  }

  /** The table name, for `INCIDENT_TABLE_NAME`. */
  public get tableName(): string {
    return this.table.tableName;
  }

  /** Lets `grantee` read incidents and deliveries: item reads and queries on the table and its two indexes. */
  public grantReadIncidents(grantee: iam.IGrantable): iam.Grant {
    return this.grant(grantee, READ_ACTIONS);
  }

  /** Lets `grantee` read and write incidents and deliveries (no Scan, no table management). */
  public grantReadWriteIncidents(grantee: iam.IGrantable): iam.Grant {
    return this.grant(grantee, [...READ_ACTIONS, ...WRITE_ACTIONS]);
  }

  private grant(grantee: iam.IGrantable, actions: string[]): iam.Grant {
    // Each index by name instead of `<table>/index/*`: no wildcard in the policy, and no access to indexes added by hand.
    const indexArns = Object.keys(INCIDENT_INDEXES).map((indexName) => `${this.table.tableArn}/index/${indexName}`);
    return iam.Grant.addToPrincipal({ grantee, actions, resourceArns: [this.table.tableArn, ...indexArns] });
  }
}
