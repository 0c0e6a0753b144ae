import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledge, iamWildcardResourceFinding } from '../compliance/nag-findings';

/** Properties of {@link RawArchive}. */
export interface RawArchiveProps {
  /** Age at which raw deliveries move to S3 Standard-IA (S3 requires at least 30 days). @default Duration.days(30) */
  readonly infrequentAccessAfter?: Duration;
  /** Age at which raw deliveries are deleted. @default Duration.days(365) */
  readonly expireAfter?: Duration;
  /** Age at which server access logs are deleted. @default Duration.days(90) */
  readonly accessLogsExpireAfter?: Duration;
  /** What happens to both buckets when the stack is deleted. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The archive of raw webhook and event deliveries, kept exactly as received for audit and replay: SSE-S3
 * encrypted, TLS-only, versioned, no public access, lifecycle to Standard-IA and expiry, and server access logs in
 * a second bucket of its own.
 */
export class RawArchive extends Construct {
  /** Raw deliveries, one object per delivery. */
  public readonly bucket: s3.Bucket;
  /** Server access logs of {@link bucket}. */
  public readonly accessLogsBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: RawArchiveProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const infrequentAccessAfter = props.infrequentAccessAfter ?? Duration.days(30);
    const expireAfter = props.expireAfter ?? Duration.days(365);
    if (infrequentAccessAfter.toDays() < 30)
      throw new Error('RawArchive: S3 moves objects to Standard-IA after 30 days at the earliest');

    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogsBucket', {
      // Server access log delivery supports SSE-S3 only, not SSE-KMS.
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      lifecycleRules: [
        { id: 'ExpireAccessLogs', expiration: props.accessLogsExpireAfter ?? Duration.days(90) },
        { id: 'AbortIncompleteUploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
      ],
      removalPolicy,
    });

    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'raw-archive/',
      lifecycleRules: [
        {
          id: 'AgeRawDeliveries',
          // S3 rejects a transition that is not earlier than the expiry, so short-lived stages skip it.
          transitions:
            infrequentAccessAfter.toDays() < expireAfter.toDays()
              ? [{ storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: infrequentAccessAfter }]
              : undefined,
          expiration: expireAfter,
          noncurrentVersionExpiration: Duration.days(30),
        },
        { id: 'AbortIncompleteUploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
      ],
      removalPolicy,
    });
  }

  /** The bucket name, for `RAW_ARCHIVE_BUCKET`. */
  public get bucketName(): string {
    return this.bucket.bucketName;
  }

  /**
   * Lets `grantee` add deliveries (`s3:PutObject` only: no reads, deletes or ACL changes). Object keys are chosen
   * per delivery at run time, so the resource is `<bucket>/*`; that one wildcard is acknowledged on the grantee.
   */
  public grantWriteDeliveries(grantee: iam.IGrantable): iam.Grant {
    const objectsArn = this.bucket.arnForObjects('*');
    const grant = iam.Grant.addToPrincipal({ grantee, actions: ['s3:PutObject'], resourceArns: [objectsArn] });
    const principal = grantee.grantPrincipal;
    if (principal instanceof iam.Role) {
      acknowledge(
        principal,
        iamWildcardResourceFinding(this, objectsArn),
        'Intake writes one object per delivery under keys chosen at run time; the grant is s3:PutObject only, on this one archive bucket.',
      );
    }
    return grant;
  }
}
