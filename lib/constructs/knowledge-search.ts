import { createHash } from 'node:crypto';
import { Duration, Lazy, Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as aoss from 'aws-cdk-lib/aws-opensearchserverless';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge, iamWildcardResourceFinding } from '../compliance/nag-findings';

/** Properties of {@link KnowledgeSearch}. */
export interface KnowledgeSearchProps {
  /** Size of the embedding vectors (Titan Text Embeddings V2: 256, 512 or 1024). */
  readonly dimensions: number;
  /** @default 'lumos-knowledge' */
  readonly indexName?: string;
  /** Redundant replicas across zones (doubles the minimum OCU cost); off for dev. @default true */
  readonly standbyReplicas?: boolean;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
  /** Where the articles bucket writes its server access logs. @default no access logs */
  readonly accessLogsBucket?: s3.IBucket;
}

/** Data-plane permissions per role, as the data access policy grants them. */
const READ_INDEX = ['aoss:ReadDocument', 'aoss:DescribeIndex'];
const WRITE_INDEX = [...READ_INDEX, 'aoss:WriteDocument', 'aoss:CreateIndex', 'aoss:UpdateIndex'];
const READ_COLLECTION = ['aoss:DescribeCollectionItems'];
const WRITE_COLLECTION = [...READ_COLLECTION, 'aoss:CreateCollectionItems', 'aoss:UpdateCollectionItems'];

/**
 * The knowledge search index on OpenSearch Serverless: a vector-search collection with its encryption (AWS-owned
 * key), network (public endpoint, SigV4 only) and data access policies. The index itself (BM25 text fields, a
 * faiss HNSW `knn_vector`, keyword fields for article id, source and version) is created by the knowledge sync
 * through the data plane, from the one mapping its adapter defines. Readers and writers are granted explicitly: IAM `aoss:APIAccessAll` on this collection plus a rule in
 * the data access policy naming their role. The hybrid search pipeline is data, put by the knowledge sync.
 *
 * Serverless collections and policies need names unique in the account and region; they are derived from the
 * construct's path (which includes the stack), so two stages never collide.
 */
export class KnowledgeSearch extends Construct {
  public readonly collection: aoss.CfnCollection;
  public readonly indexName: string;
  /** Markdown articles the knowledge sync indexes (`aws s3 sync knowledge/ s3://<bucket>/`). */
  public readonly articlesBucket: s3.Bucket;
  private readonly readers: iam.IRole[] = [];
  private readonly writers: iam.IRole[] = [];

  constructor(scope: Construct, id: string, props: KnowledgeSearchProps) {
    super(scope, id);
    if (![256, 512, 1024].includes(props.dimensions))
      throw new Error('KnowledgeSearch: dimensions must be 256, 512 or 1024');
    this.indexName = props.indexName ?? 'lumos-knowledge';
    // Serverless names: 3-32 characters, lower case, starting with a letter.
    const name = `kb-${createHash('sha256').update(Names.uniqueId(this)).digest('hex').slice(0, 12)}`;
    const collectionName = name;

    const encryption = new aoss.CfnSecurityPolicy(this, 'EncryptionPolicy', {
      name: `${name}-enc`,
      type: 'encryption',
      description: 'Lumos knowledge collection: encrypted at rest with an AWS-owned key',
      policy: JSON.stringify({
        Rules: [{ ResourceType: 'collection', Resource: [`collection/${collectionName}`] }],
        AWSOwnedKey: true,
      }),
    });
    const network = new aoss.CfnSecurityPolicy(this, 'NetworkPolicy', {
      name: `${name}-net`,
      type: 'network',
      description: 'Lumos knowledge collection: reachable by SigV4-signed requests of the granted roles only',
      policy: JSON.stringify([
        { Rules: [{ ResourceType: 'collection', Resource: [`collection/${collectionName}`] }], AllowFromPublic: true },
      ]),
    });
    this.collection = new aoss.CfnCollection(this, 'Collection', {
      name: collectionName,
      type: 'VECTORSEARCH',
      description: 'Lumos knowledge: runbooks and articles for hybrid (BM25 + k-NN) retrieval',
      standbyReplicas: props.standbyReplicas === false ? 'DISABLED' : 'ENABLED',
    });
    this.collection.addResourceDependency(encryption);
    this.collection.addResourceDependency(network);
    this.collection.applyRemovalPolicy(props.removalPolicy ?? RemovalPolicy.RETAIN);

    const rules = (roles: iam.IRole[], collection: string[], index: string[]) =>
      roles.length === 0
        ? []
        : [
            {
              Rules: [
                { ResourceType: 'collection', Resource: [`collection/${collectionName}`], Permission: collection },
                { ResourceType: 'index', Resource: [`index/${collectionName}/*`], Permission: index },
              ],
              Principal: roles.map((role) => role.roleArn),
            },
          ];
    new aoss.CfnAccessPolicy(this, 'DataAccessPolicy', {
      name: `${name}-data`,
      type: 'data',
      description: 'Lumos knowledge: the sync creates and writes the index, the agent reads',
      policy: Lazy.string({
        produce: () =>
          Stack.of(this).toJsonString([
            ...rules(this.writers, WRITE_COLLECTION, WRITE_INDEX),
            ...rules(this.readers, READ_COLLECTION, READ_INDEX),
          ]),
      }),
    });

    // No AWS::OpenSearchServerless::Index: the knowledge sync creates the index through the data plane with the
    // full mapping its adapter searches (keyword, date, analyzed text, k-NN), which the CloudFormation resource
    // schema only partly allows, and a second definition here could only drift from the adapter's.

    this.articlesBucket = new s3.Bucket(this, 'ArticlesBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      ...(props.accessLogsBucket
        ? { serverAccessLogsBucket: props.accessLogsBucket, serverAccessLogsPrefix: 'knowledge-articles/' }
        : {}),
      lifecycleRules: [
        { id: 'ExpireOldVersions', noncurrentVersionExpiration: Duration.days(90) },
        { id: 'AbortIncompleteUploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
      ],
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
  }

  /**
   * Lets `role` list and read the markdown articles (the knowledge sync); returns `KNOWLEDGE_S3_URI`. Object keys are
   * only known at run time, so the read is `<bucket>/*`, acknowledged on the grantee.
   */
  public grantReadArticles(role: iam.IRole): Record<string, string> {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [this.articlesBucket.bucketArn] }),
    );
    const objects = this.articlesBucket.arnForObjects('*');
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [objects] }));
    acknowledge(
      role,
      iamWildcardResourceFinding(this, objects),
      'The knowledge sync reads every article object of the articles bucket; keys are the article paths, known only at run time.',
    );
    return { KNOWLEDGE_S3_URI: `s3://${this.articlesBucket.bucketName}/` };
  }

  /**
   * Lets `role` keep draft articles for review (`drafts/`) and publish approved ones (`approved/`, which the sync
   * reads); returns `KNOWLEDGE_DRAFTS_BUCKET`. Draft ids are known only at run time: the grant is per prefix.
   */
  public grantDrafts(role: iam.IRole): Record<string, string> {
    // Unconditional: with ListBucket, reading a missing key answers 404 (not 403), which tells "no draft" apart.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [this.articlesBucket.bucketArn] }),
    );
    const why =
      'Draft ids are made from the fix at run time; the grant covers only the drafts/ and approved/ prefixes of the articles bucket.';
    for (const prefix of ['drafts/*', 'approved/*']) {
      const objects = this.articlesBucket.arnForObjects(prefix);
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], resources: [objects] }),
      );
      acknowledge(role, iamWildcardResourceFinding(this, objects), why);
    }
    return { KNOWLEDGE_DRAFTS_BUCKET: this.articlesBucket.bucketName };
  }

  /** The collection endpoint (`https://<id>.<region>.aoss.amazonaws.com`), for `KNOWLEDGE_COLLECTION_ENDPOINT`. */
  public get endpoint(): string {
    return this.collection.attrCollectionEndpoint;
  }

  private grantApiAccess(role: iam.IRole): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['aoss:APIAccessAll'], resources: [this.collection.attrArn] }),
    );
  }

  /** Lets `role` search the index. Returns the environment that addresses it. */
  public grantRead(role: iam.IRole): Record<string, string> {
    this.grantApiAccess(role);
    this.readers.push(role);
    return { KNOWLEDGE_COLLECTION_ENDPOINT: this.endpoint, KNOWLEDGE_INDEX_NAME: this.indexName };
  }

  /** Lets `role` write the index and its search pipeline (the knowledge sync). Returns the environment. */
  public grantWrite(role: iam.IRole): Record<string, string> {
    this.grantApiAccess(role);
    this.writers.push(role);
    return { KNOWLEDGE_COLLECTION_ENDPOINT: this.endpoint, KNOWLEDGE_INDEX_NAME: this.indexName };
  }

  /**
   * Runs `fn` (the knowledge sync) on a schedule, with EventBridge retries and the function's dead-letter queue
   * for events that still fail.
   */
  public scheduleSync(fn: lambda.IFunction, schedule: events.Schedule, deadLetterQueue: sqs.IQueue): events.Rule {
    return new events.Rule(this, 'SyncSchedule', {
      description: 'Lumos: incremental knowledge sync (markdown, S3, ServiceNow kb_knowledge)',
      schedule,
      targets: [new targets.LambdaFunction(fn, { deadLetterQueue, retryAttempts: 2, maxEventAge: Duration.hours(1) })],
    });
  }
}
