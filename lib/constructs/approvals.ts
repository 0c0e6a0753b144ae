import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { AssetHashType, DockerImage, RemovalPolicy } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { CedarPolicyEngine } from '../../lambdas/governance/policy/cedar-engine';
import { acknowledge } from '../compliance/nag-findings';

/** Properties of {@link ApprovalLinks}. */
export interface ApprovalLinksProps {
  /** Encrypts the signing key. @default the account's aws/secretsmanager key */
  readonly encryptionKey?: kms.IKey;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The key approval links are signed with (HMAC-SHA256): a generated secret `{"signingKey": "..."}`. To rotate,
 * move the value to `previousSigningKey` and set a new `signingKey`: links already sent keep working until they
 * expire (at most the longest approval window), new links use the new key.
 */
export class ApprovalLinks extends Construct {
  public readonly secret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: ApprovalLinksProps = {}) {
    super(scope, id);
    this.secret = new secretsmanager.Secret(this, 'SigningKey', {
      description: 'Lumos approval-link signing key (HMAC) as JSON {"signingKey": "...", "previousSigningKey"?: "..."}',
      encryptionKey: props.encryptionKey,
      generateSecretString: {
        secretStringTemplate: '{}',
        generateStringKey: 'signingKey',
        passwordLength: 64,
        excludePunctuation: true,
      },
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    acknowledge(
      this.secret,
      'AwsSolutions-SMG4',
      'Rotation is a two-step runbook (current key to previousSigningKey, then a new signingKey) so that links already in inboxes stay valid until they expire; an automatic single-step rotation would invalidate every pending approval link.',
    );
  }

  /** The secret ARN, for `APPROVAL_LINK_SECRET_ARN`. */
  public get secretArn(): string {
    return this.secret.secretArn;
  }

  /** Lets `grantee` read the signing key (and decrypt it with the customer key, when there is one). */
  public grantReadKey(grantee: iam.IGrantable): iam.Grant {
    return this.secret.grantRead(grantee);
  }
}

/** Properties of {@link GovernanceBundle}. */
export interface GovernanceBundleProps {
  /** The repository root: `policies/`, `runbooks/` and `node_modules/@cedar-policy/cedar-wasm` are read from it. */
  readonly projectRoot: string;
}

/** The module the policy engine loads at run time from the layer (it reads its Wasm file next to itself). */
export const CEDAR_MODULE = '@cedar-policy/cedar-wasm';

function hashTree(hash: ReturnType<typeof createHash>, dir: string): void {
  for (const name of readdirSync(dir).sort()) {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) hashTree(hash, file);
    else hash.update(name).update(readFileSync(file));
  }
}

/**
 * The governance bundle as a Lambda layer: the Cedar policies and `governance.yaml`, the runbooks, and the Cedar
 * Wasm engine (which loads its `.wasm` file from its own folder, so it cannot be inlined by esbuild). Functions
 * that decide with policy get the layer, `LUMOS_POLICY_DIR`/`LUMOS_RUNBOOK_DIR`, and the engine as an external
 * module. Built by copying files (no Docker), with a content hash, so an unchanged bundle is not re-uploaded.
 */
export class GovernanceBundle extends Construct {
  public readonly layer: lambda.LayerVersion;
  /** Where the layer puts the policies and runbooks inside the function. */
  public static readonly POLICY_DIR = '/opt/lumos/policies';
  public static readonly RUNBOOK_DIR = '/opt/lumos/runbooks';

  constructor(scope: Construct, id: string, props: GovernanceBundleProps) {
    super(scope, id);
    const root = props.projectRoot;
    const cedarDir = path.join(root, 'node_modules', ...CEDAR_MODULE.split('/'));
    const sources = [path.join(root, 'policies'), path.join(root, 'runbooks'), path.join(cedarDir, 'nodejs')];
    const hash = createHash('sha256');
    for (const source of sources) hashTree(hash, source);
    hash.update(readFileSync(path.join(cedarDir, 'package.json')));

    this.layer = new lambda.LayerVersion(this, 'Layer', {
      description: 'Lumos governance: Cedar policies, governance.yaml, runbooks and the Cedar Wasm engine',
      compatibleRuntimes: [lambda.Runtime.NODEJS_24_X],
      compatibleArchitectures: [lambda.Architecture.ARM_64, lambda.Architecture.X86_64],
      code: lambda.Code.fromAsset(path.join(root, 'policies'), {
        assetHashType: AssetHashType.CUSTOM,
        assetHash: hash.digest('hex'),
        bundling: {
          // Never used: local bundling always succeeds, so no container is pulled.
          image: DockerImage.fromRegistry('public.ecr.aws/docker/library/busybox:stable'),
          local: {
            tryBundle(outputDir: string): boolean {
              cpSync(path.join(root, 'policies'), path.join(outputDir, 'lumos', 'policies'), { recursive: true });
              // Validated once here, so functions skip Cedar's strict validation at every cold start.
              CedarPolicyEngine.recordValidation(path.join(outputDir, 'lumos', 'policies'));
              cpSync(path.join(root, 'runbooks'), path.join(outputDir, 'lumos', 'runbooks'), { recursive: true });
              const target = path.join(outputDir, 'nodejs', 'node_modules', ...CEDAR_MODULE.split('/'));
              mkdirSync(target, { recursive: true });
              cpSync(path.join(cedarDir, 'package.json'), path.join(target, 'package.json'));
              cpSync(path.join(cedarDir, 'nodejs'), path.join(target, 'nodejs'), { recursive: true });
              return true;
            },
          },
        },
      }),
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /** Gives a function the layer and tells it where the policies and runbooks are. */
  public attachTo(fn: lambda.Function): void {
    fn.addLayers(this.layer);
    fn.addEnvironment('LUMOS_POLICY_DIR', GovernanceBundle.POLICY_DIR);
    fn.addEnvironment('LUMOS_RUNBOOK_DIR', GovernanceBundle.RUNBOOK_DIR);
  }
}
