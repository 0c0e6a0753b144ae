import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge, iamWildcardResourceFinding } from '../compliance/nag-findings';

/** Properties of {@link AuditTrail}. */
export interface AuditTrailProps {
  /** @default true */
  readonly pointInTimeRecovery?: boolean;
  /** @default true */
  readonly deletionProtection?: boolean;
  /** How long each exported record stays immutable (Object Lock default retention). @default Duration.days(365) */
  readonly retention?: Duration;
  /**
   * `COMPLIANCE`: nobody, the root user included, can shorten the retention or delete a locked record.
   * `GOVERNANCE`: principals with s3:BypassGovernanceRetention can (use only for short-lived stages).
   * @default 'COMPLIANCE'
   */
  readonly lockMode?: 'COMPLIANCE' | 'GOVERNANCE';
  /** What happens to the table and buckets when the stack is deleted. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/** Item-level writes that could change or remove a record. Nobody gets them, by the table's own policy. */
const MUTATING_ACTIONS = [
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:PartiQLUpdate',
  'dynamodb:PartiQLDelete',
];

/**
 * The tamper-evident audit trail: a DynamoDB table of its own (partition `incidentId`, sort `seq`) whose resource
 * policy denies every item update and delete to every principal, so even a role with dynamodb:* cannot rewrite
 * history; the application may only append (conditional PutItem) and read. A stream copies each new record to an S3
 * bucket under Object Lock, the write-once copy that verification compares the table with.
 */
export class AuditTrail extends Construct {
  /** The records. Use the grant methods: they never include an update or delete. */
  public readonly table: dynamodb.Table;
  /** The write-once export (versioned, Object Lock). */
  public readonly exportBucket: s3.Bucket;
  /** Server access logs of {@link exportBucket}. */
  public readonly accessLogsBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: AuditTrailProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const retention = props.retention ?? Duration.days(365);
    if (retention.toDays() < 1) throw new Error('AuditTrail: the export must be locked for at least a day');

    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: 'incidentId', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'seq', type: dynamodb.AttributeType.NUMBER },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: props.pointInTimeRecovery ?? true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      deletionProtection: props.deletionProtection ?? true,
      stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
      resourcePolicy: new iam.PolicyDocument({
        statements: [
          new iam.PolicyStatement({
            sid: 'AppendOnly',
            effect: iam.Effect.DENY,
            principals: [new iam.AnyPrincipal()],
            actions: MUTATING_ACTIONS,
            resources: ['*'],
          }),
        ],
      }),
      removalPolicy,
    });

    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogsBucket', {
      // Server access log delivery supports SSE-S3 only.
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      lifecycleRules: [{ id: 'ExpireAccessLogs', expiration: Duration.days(365) }],
      removalPolicy,
    });
    this.exportBucket = new s3.Bucket(this, 'ExportBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      objectLockEnabled: true,
      objectLockDefaultRetention:
        (props.lockMode ?? 'COMPLIANCE') === 'COMPLIANCE'
          ? s3.ObjectLockRetention.compliance(retention)
          : s3.ObjectLockRetention.governance(retention),
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'audit-export/',
      lifecycleRules: [{ id: 'AbortIncompleteUploads', abortIncompleteMultipartUploadAfter: Duration.days(7) }],
      removalPolicy,
    });
  }

  /** The table name, for `AUDIT_TABLE_NAME`. */
  public get tableName(): string {
    return this.table.tableName;
  }

  /** The bucket name, for `AUDIT_EXPORT_BUCKET`. */
  public get exportBucketName(): string {
    return this.exportBucket.bucketName;
  }

  /** Lets `grantee` append records and read the trail: PutItem (the adapter's puts are conditional), GetItem, Query. */
  public grantAppend(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:Query'],
      resourceArns: [this.table.tableArn],
    });
  }

  /** Lets `grantee` read the trail (GetItem, Query). */
  public grantRead(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:GetItem', 'dynamodb:Query'],
      resourceArns: [this.table.tableArn],
    });
  }

  /** Lets `grantee` read the write-once export (ListBucket on the bucket, GetObject on `audit/*`). */
  public grantReadExport(grantee: iam.IGrantable): iam.Grant {
    const objects = this.exportBucket.arnForObjects('audit/*');
    const grant = iam.Grant.addToPrincipal({ grantee, actions: ['s3:GetObject'], resourceArns: [objects] }).combine(
      iam.Grant.addToPrincipal({ grantee, actions: ['s3:ListBucket'], resourceArns: [this.exportBucket.bucketArn] }),
    );
    this.acknowledgeObjectWildcard(
      grantee,
      objects,
      'reads exported records, one object per record under audit/<incident>/',
    );
    return grant;
  }

  /**
   * Copies every new record to the export with `exporter` (a DynamoDB stream consumer): PutObject on `audit/*` (no
   * delete; Object Lock makes overwrites new versions that cannot replace the locked one), stream read, and failed
   * batches to `deadLetterQueue`.
   */
  public exportWith(exporter: lambda.IFunction, deadLetterQueue: sqs.IQueue): void {
    const objects = this.exportBucket.arnForObjects('audit/*');
    iam.Grant.addToPrincipal({ grantee: exporter, actions: ['s3:PutObject'], resourceArns: [objects] });
    this.acknowledgeObjectWildcard(
      exporter,
      objects,
      'writes one object per audit record under audit/<incident>/<seq>.json',
    );
    exporter.addEventSource(
      new DynamoEventSource(this.table, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: 50,
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        retryAttempts: 10,
        onFailure: new SqsDlq(deadLetterQueue),
      }),
    );
  }

  private acknowledgeObjectWildcard(grantee: iam.IGrantable, objectsArn: string, why: string): void {
    const principal = grantee.grantPrincipal;
    if (principal instanceof iam.Role) {
      acknowledge(
        principal,
        iamWildcardResourceFinding(this, objectsArn),
        `The audit export ${why}; keys are per incident and record, so the grant is on the audit/ prefix of this one bucket.`,
      );
    }
  }
}
