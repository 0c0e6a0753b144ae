import { ArnFormat, Fn, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import type { AutomationDocument } from '../../lambdas/governance/runbooks/automation-documents';
import { acknowledge, iamWildcardResourceFinding } from '../compliance/nag-findings';

/** Properties of {@link RunbookAutomations}. */
export interface RunbookAutomationsProps {
  /** The documents the runbooks define (`automationDocuments(runbooks)`). */
  readonly documents: readonly AutomationDocument[];
  /**
   * What replaces `Lumos-` in a document's name to make its physical name, so two stages deploy into one account
   * (`Lumos-dev-` makes `Lumos-RestartEcsService` into `Lumos-dev-RestartEcsService`).
   */
  readonly namePrefix: string;
}

/**
 * The AWS executors of the runbooks' `ssmAutomation` steps: one AWS::SSM::Document (Automation, schemaVersion 0.3)
 * per document the runbooks define, and the one role SSM Automation assumes for them, allowed exactly the actions
 * their steps call. {@link grantStart} lets a function start these documents, and only these, with that role.
 */
export class RunbookAutomations extends Construct {
  /** The role every document's `assumeRole` names. */
  public readonly assumeRole: iam.Role;
  /** Runbook name (`Lumos-*`) -> physical document name. */
  public readonly physicalNames: Readonly<Record<string, string>>;
  /** Prefix that maps a runbook's document name to its physical name (replaces `Lumos-`). */
  public readonly namePrefix: string;
  private readonly documentArns: string[];

  constructor(scope: Construct, id: string, props: RunbookAutomationsProps) {
    super(scope, id);
    if (!/^Lumos-[A-Za-z0-9_.-]*$/.test(props.namePrefix))
      throw new Error(`namePrefix must start with Lumos- and use SSM name characters, got '${props.namePrefix}'`);
    const stack = Stack.of(this);
    this.namePrefix = props.namePrefix;

    this.assumeRole = new iam.Role(this, 'AssumeRole', {
      description: 'Assumed by SSM Automation to run the Lumos runbook documents',
      assumedBy: new iam.ServicePrincipal('ssm.amazonaws.com').withConditions({
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnLike: {
          'aws:SourceArn': stack.formatArn({
            service: 'ssm',
            resource: 'automation-execution',
            resourceName: '*',
            arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
          }),
        },
      }),
    });

    const statements = new Map<string, { actions: Set<string>; resources: string[] }>();
    for (const document of props.documents) {
      for (const permission of document.permissions) {
        const key = [...permission.resources].sort().join('|');
        const entry = statements.get(key) ?? {
          actions: new Set<string>(),
          resources: [...permission.resources].sort(),
        };
        for (const action of permission.actions) entry.actions.add(action);
        statements.set(key, entry);
      }
    }
    const policy = new iam.Policy(this, 'StepPermissions', { roles: [this.assumeRole] });
    const why: Record<string, string> = {
      '*': 'ssm:ListCommands and ssm:ListCommandInvocations, which aws:runCommand polls, support no resource-level permissions.',
    };
    for (const { actions, resources } of statements.values()) {
      const arns = resources.map((r) => (r === '*' ? r : Fn.sub(r)));
      policy.addStatements(new iam.PolicyStatement({ actions: [...actions].sort(), resources: arns }));
      resources.forEach((resource, i) => {
        if (!resource.includes('*')) return;
        acknowledge(
          policy,
          iamWildcardResourceFinding(this, arns[i]!),
          why[resource] ??
            `The runbooks name their target (${resource.split(':')[2]} resource) at run time from governance targets; the statement allows only the actions the documents' steps call, in this account and region.`,
        );
      });
    }

    const names: Record<string, string> = {};
    this.documentArns = [];
    for (const document of props.documents) {
      const physical = `${props.namePrefix}${document.name.slice('Lumos-'.length)}`;
      names[document.name] = physical;
      new ssm.CfnDocument(this, document.name.slice('Lumos-'.length), {
        name: physical,
        documentType: 'Automation',
        documentFormat: 'JSON',
        updateMethod: 'NewVersion',
        content: document.content,
      });
      this.documentArns.push(
        stack.formatArn({
          service: 'ssm',
          resource: 'automation-definition',
          resourceName: `${physical}:*`,
          arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
        }),
      );
    }
    this.physicalNames = names;
  }

  /**
   * Lets `role` start these documents (any version), and pass the automation role to SSM only. Execution ids are
   * random, so reading an execution's status is granted on this account's executions.
   */
  public grantStart(role: iam.IRole, findingScope: Construct): void {
    const stack = Stack.of(this);
    const executions = stack.formatArn({
      service: 'ssm',
      resource: 'automation-execution',
      resourceName: '*',
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['ssm:StartAutomationExecution'], resources: this.documentArns }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['ssm:GetAutomationExecution'], resources: [executions] }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.assumeRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'ssm.amazonaws.com' } },
      }),
    );
    for (const arn of this.documentArns)
      acknowledge(
        findingScope,
        iamWildcardResourceFinding(this, arn),
        'The wildcard is the document version only: the runbook documents this stack creates are started at their default version.',
      );
    acknowledge(
      findingScope,
      iamWildcardResourceFinding(this, executions),
      'Automation execution ids are random and known only after the start; reading their status needs the account-wide execution ARN.',
    );
  }
}
