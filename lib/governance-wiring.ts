import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ArnFormat, CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { parse as parseYaml } from 'yaml';
import type { FunctionSpec } from '../lambdas/function-catalogue';
import { loadGovernanceConfig } from '../lambdas/governance/governance-config';
import { automationDocuments } from '../lambdas/governance/runbooks/automation-documents';
import { loadRunbooks } from '../lambdas/governance/runbooks/runbook-catalogue';
import type { GovernanceAccess } from '../lambdas/runtime/access';
import { acknowledge, iamWildcardResourceFinding } from './compliance/nag-findings';
import type { StageConfig } from './config/stage-config';
import { ApprovalLinks, CEDAR_MODULE, GovernanceBundle } from './constructs/approvals';
import { AuditTrail } from './constructs/audit-trail';
import type { IncidentWorkflow } from './constructs/incident-workflow';
import type { LumosFunction } from './constructs/lumos-function';
import { RunbookAutomations } from './constructs/runbook-automations';
import { SlaScheduler } from './constructs/sla-scheduler';

/**
 * Modules a function must not bundle (they come from the governance layer): the Cedar engine loads its Wasm file
 * from its own folder, which esbuild cannot inline.
 */
export function governanceExternalModules(spec: Pick<FunctionSpec, 'access'>): string[] | undefined {
  return spec.access.includes('policyBundle') ? [CEDAR_MODULE] : undefined;
}

/** The stage's governance overrides (`policies/stages/<stage>.yaml`), validated against governance.yaml at synth. */
export function stageGovernanceOverrides(projectRoot: string, stage: string): unknown {
  const file = path.join(projectRoot, 'policies', 'stages', `${stage}.yaml`);
  const overrides = existsSync(file) ? (parseYaml(readFileSync(file, 'utf8')) ?? {}) : {};
  // Throws with every offending field: a bad override fails the synth, not the first incident.
  loadGovernanceConfig({ dir: path.join(projectRoot, 'policies'), overrides });
  return overrides;
}

/** What {@link Governance} wires. */
export interface GovernanceProps {
  readonly config: StageConfig;
  readonly projectRoot: string;
  readonly functions: Readonly<Record<string, LumosFunction>>;
  readonly workflow: IncidentWorkflow;
  readonly api: apigw.RestApi;
}

/**
 * Approvals, SLA timers, the audit trail and the governance bundle of one stage. {@link Governance.grant} wires the
 * governance access a catalogue entry lists.
 */
export class Governance extends Construct {
  public readonly auditTrail: AuditTrail;
  public readonly scheduler: SlaScheduler;
  public readonly approvalLinks: ApprovalLinks;
  public readonly bundle: GovernanceBundle;
  public readonly automations: RunbookAutomations;
  private readonly overrides: string;
  private readonly baseUrl: string;
  private readonly timer: LumosFunction;
  private readonly stateMachineArn: string;

  constructor(scope: Construct, id: string, props: GovernanceProps) {
    super(scope, id);
    const { config, functions } = props;
    const disposable = config.removalPolicy === 'destroy';
    const removalPolicy = disposable ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
    const timer = functions.GovernanceTimer;
    const exporter = functions.AuditExport;
    if (!timer || !exporter)
      throw new Error('Governance needs the GovernanceTimer and AuditExport functions of the catalogue');

    this.auditTrail = new AuditTrail(this, 'AuditTrail', {
      pointInTimeRecovery: config.incidentTable.pointInTimeRecovery,
      deletionProtection: config.incidentTable.deletionProtection,
      // A stage that is torn down cannot keep compliance-locked objects; it gets short governance-mode locks.
      lockMode: disposable ? 'GOVERNANCE' : 'COMPLIANCE',
      retention: disposable ? Duration.days(1) : Duration.days(365 * 7),
      removalPolicy,
    });
    this.scheduler = new SlaScheduler(this, 'Scheduler', { target: timer.function, removalPolicy });
    this.approvalLinks = new ApprovalLinks(this, 'ApprovalLinks', { removalPolicy });
    this.bundle = new GovernanceBundle(this, 'Bundle', { projectRoot: props.projectRoot });
    this.automations = new RunbookAutomations(this, 'RunbookAutomations', {
      documents: automationDocuments(
        [...loadRunbooks(path.join(props.projectRoot, 'runbooks')).values()].map((loaded) => loaded.runbook),
      ),
      namePrefix: `Lumos-${config.stage}-`,
    });
    this.overrides = JSON.stringify(stageGovernanceOverrides(props.projectRoot, config.stage));
    this.timer = timer;
    this.stateMachineArn = props.workflow.stateMachineArn;

    const stack = Stack.of(this);
    const cfnStage = props.api.deploymentStage.node.defaultChild as apigw.CfnStage;
    // Built from the API id, not the stage: functions the API does not front may hold it without a cycle.
    this.baseUrl = `https://${props.api.restApiId}.execute-api.${stack.region}.${stack.urlSuffix}/${cfnStage.stageName}`;

    new CfnOutput(stack, 'AuditTableName', { value: this.auditTrail.tableName });
    new CfnOutput(stack, 'AuditExportBucketName', { value: this.auditTrail.exportBucketName });
    new CfnOutput(stack, 'ApprovalLinkSecretArn', {
      value: this.approvalLinks.secretArn,
      description: 'HMAC key of approval links; rotate by moving signingKey to previousSigningKey first',
    });
  }

  /** Grants `fn` (catalogue entry `id`) one governance access and sets the variables that address it. */
  public grant(id: string, fn: LumosFunction, access: GovernanceAccess): void {
    switch (access) {
      case 'policyBundle':
        this.bundle.attachTo(fn.function);
        fn.addEnvironment('LUMOS_GOVERNANCE_OVERRIDES', this.overrides);
        break;
      case 'appendAudit':
        this.auditTrail.grantAppend(fn.role);
        fn.addEnvironment('AUDIT_TABLE_NAME', this.auditTrail.tableName);
        break;
      case 'readAudit':
        this.auditTrail.grantRead(fn.role);
        fn.addEnvironment('AUDIT_TABLE_NAME', this.auditTrail.tableName);
        break;
      case 'readAuditExport':
        this.auditTrail.grantReadExport(fn.role);
        fn.addEnvironment('AUDIT_EXPORT_BUCKET', this.auditTrail.exportBucketName);
        break;
      case 'exportAudit':
        this.auditTrail.exportWith(fn.function, fn.deadLetterQueue);
        fn.addEnvironment('AUDIT_EXPORT_BUCKET', this.auditTrail.exportBucketName);
        break;
      case 'manageTimers':
        this.scheduler.grantManageTimers(fn.role);
        fn.addEnvironment('SCHEDULE_GROUP_NAME', this.scheduler.groupName);
        fn.addEnvironment('SCHEDULER_ROLE_ARN', this.scheduler.invokeRole.roleArn);
        fn.addEnvironment('SCHEDULER_DEAD_LETTER_ARN', this.scheduler.deadLetterQueue.queueArn);
        // The timer function learns its own ARN from its invocation context: its own ARN here would be a cycle.
        if (fn !== this.timer) fn.addEnvironment('GOVERNANCE_TIMER_FUNCTION_ARN', this.timer.functionArn);
        break;
      case 'taskCallbacks':
        // A policy of its own, not the role's default one: the function does not wait for it, which breaks the
        // cycle state machine -> workflow functions -> timer ARN -> timer role policy -> state machine.
        new iam.Policy(this, `${id}TaskCallbacks`, {
          roles: [fn.role],
          statements: [
            new iam.PolicyStatement({
              actions: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'],
              resources: [this.stateMachineArn],
            }),
          ],
        });
        // SendTask* need no state machine ARN, and the timer cannot hold it without the same cycle.
        if (fn !== this.timer) fn.addEnvironment('STATE_MACHINE_ARN', this.stateMachineArn);
        break;
      case 'approvalLinks':
        this.approvalLinks.grantReadKey(fn.role);
        fn.addEnvironment('APPROVAL_LINK_SECRET_ARN', this.approvalLinks.secretArn);
        break;
      case 'linksBaseUrl':
        fn.addEnvironment('PUBLIC_BASE_URL', this.baseUrl);
        break;
      case 'runbookExecution':
        this.grantRunbookExecution(fn);
        break;
      default: {
        const unhandled: never = access;
        throw new Error(`no wiring for governance access '${String(unhandled)}'`);
      }
    }
  }

  /**
   * Runbook steps start the SSM Automation documents this stack creates (and pass their role, nothing else) and
   * invoke Lambda functions named `lumos-runbook-*` (the operators' own runbook targets); HTTP steps need no IAM.
   */
  private grantRunbookExecution(fn: LumosFunction): void {
    this.automations.grantStart(fn.role, fn.role);
    fn.addEnvironment('LUMOS_AUTOMATION_ROLE_ARN', this.automations.assumeRole.roleArn);
    fn.addEnvironment('LUMOS_AUTOMATION_DOCUMENT_PREFIX', this.automations.namePrefix);
    const targets = Stack.of(this).formatArn({
      service: 'lambda',
      resource: 'function',
      resourceName: 'lumos-runbook-*',
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    fn.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [targets] }));
    acknowledge(
      fn.role,
      iamWildcardResourceFinding(this, targets),
      'Runbooks name their Lambda targets at run time; the grant covers only functions named lumos-runbook-*.',
    );
  }
}
