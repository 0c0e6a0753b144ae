import type { AutomationDocumentSpec, Runbook } from './runbook-schema';

/** The parameter every Lumos automation document takes: the role SSM Automation assumes (the executor sets it). */
export const ASSUME_ROLE_PARAMETER = 'AutomationAssumeRole';

const ROLE_ARN_PATTERN = '^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,128}$';
const EXACT_TEMPLATE = /^\{\{\s*([A-Za-z0-9_]+)\s*\}\}$/;
/** `{{ Name }}` in a document: a parameter, or `{{ step.Output }}` (a dot) for an earlier step's output. */
const DOCUMENT_VARIABLE = /\{\{\s*([A-Za-z0-9_.]+)\s*\}\}/g;

/** A runbook step that runs an automation document, and the parameters it passes. */
export interface AutomationReference {
  readonly runbookId: string;
  readonly stepName: string;
  readonly documentName: string;
  readonly parameters: Readonly<Record<string, string | readonly string[]>>;
}

/** An SSM parameter declaration of a schemaVersion 0.3 document. */
export interface AutomationParameter {
  readonly type: 'String' | 'Integer' | 'Boolean' | 'StringList';
  readonly description: string;
  readonly allowedPattern?: string;
  /** Set for a value a runbook may leave empty (an optional runbook parameter). */
  readonly default?: string;
}

/** One SSM Automation document, generated from the runbooks: its content and the IAM its steps need. */
export interface AutomationDocument {
  /** The name runbooks use (`Lumos-*`); the stack deploys it under a per-stage name. */
  readonly name: string;
  /** The runbook that defines it. */
  readonly definedIn: string;
  /** The runbooks whose steps run it. */
  readonly usedBy: readonly string[];
  /** The document content (AWS::SSM::Document `Content`, DocumentType Automation). */
  readonly content: {
    readonly schemaVersion: '0.3';
    readonly description: string;
    readonly assumeRole: string;
    readonly parameters: Readonly<Record<string, AutomationParameter>>;
    readonly mainSteps: AutomationDocumentSpec['steps'];
  };
  readonly permissions: AutomationDocumentSpec['permissions'];
}

/** A runbook set whose automation documents do not add up; names every problem. */
export class AutomationDocumentError extends Error {
  override readonly name = 'AutomationDocumentError';
}

/** `^x$` -> `^(?:x)?$`: the pattern of an optional value also admits the empty string. */
function optionalPattern(pattern: string): string {
  return `^(?:${pattern.slice(1, -1)})?$`;
}

/** Every step (and rollback step) of a runbook that runs an SSM Automation document. */
export function automationReferences(runbook: Runbook): AutomationReference[] {
  const references: AutomationReference[] = [];
  for (const step of [...runbook.steps, ...runbook.rollback]) {
    if (!('ssmAutomation' in step)) continue;
    references.push({
      runbookId: runbook.id,
      stepName: step.name,
      documentName: step.ssmAutomation.documentName,
      parameters: step.ssmAutomation.parameters,
    });
  }
  return references;
}

/**
 * The automation documents the runbooks define, each with the parameters the runbooks pass (a value that is exactly
 * one runbook parameter carries that parameter's pattern) plus {@link ASSUME_ROLE_PARAMETER}. Throws if a runbook
 * runs a document no runbook defines, two runbooks define one name, a step passes a parameter the document never
 * uses, or the document uses a parameter no step passes.
 */
export function automationDocuments(runbooks: Iterable<Runbook>): AutomationDocument[] {
  const all = [...runbooks];
  const problems: string[] = [];
  const specs = new Map<string, { spec: AutomationDocumentSpec; definedIn: string }>();
  for (const runbook of all) {
    for (const [name, spec] of Object.entries(runbook.automations)) {
      const earlier = specs.get(name);
      if (earlier) problems.push(`${name} is defined by both ${earlier.definedIn} and ${runbook.id}`);
      else specs.set(name, { spec, definedIn: runbook.id });
    }
  }
  const references = all.flatMap((runbook) => automationReferences(runbook).map((ref) => ({ ref, runbook })));
  for (const { ref } of references) {
    if (!specs.has(ref.documentName))
      problems.push(`${ref.runbookId} step '${ref.stepName}' runs ${ref.documentName}, which no runbook defines`);
    if (ASSUME_ROLE_PARAMETER in ref.parameters)
      problems.push(`${ref.runbookId} step '${ref.stepName}' passes ${ASSUME_ROLE_PARAMETER}; the executor sets it`);
  }

  const documents: AutomationDocument[] = [];
  for (const [name, { spec, definedIn }] of specs) {
    const uses = references.filter(({ ref }) => ref.documentName === name);
    if (uses.length === 0) problems.push(`${name} (defined by ${definedIn}) is run by no runbook step`);
    const parameters: Record<string, AutomationParameter> = {
      [ASSUME_ROLE_PARAMETER]: {
        type: 'String',
        description: 'The role SSM Automation assumes for the steps (set by the Lumos runbook executor)',
        allowedPattern: ROLE_ARN_PATTERN,
      },
    };
    for (const { ref, runbook } of uses) {
      for (const [key, value] of Object.entries(ref.parameters)) {
        const single = typeof value === 'string' ? EXACT_TEMPLATE.exec(value)?.[1] : undefined;
        const source = single ? runbook.parameters[single] : undefined;
        const declared: AutomationParameter = {
          type: Array.isArray(value) ? 'StringList' : 'String',
          description: source?.description || `${key}, as runbook ${runbook.id} passes it`,
          ...(source ? { allowedPattern: source.required ? source.pattern : optionalPattern(source.pattern) } : {}),
          ...(source && !source.required ? { default: '' } : {}),
        };
        const previous = parameters[key];
        if (previous && previous.allowedPattern !== declared.allowedPattern)
          problems.push(`${name} parameter ${key} gets different patterns from the runbooks that pass it`);
        parameters[key] ??= declared;
      }
    }
    for (const [key, override] of Object.entries(spec.parameters)) {
      const passed = parameters[key];
      if (!passed) {
        problems.push(`${name} declares parameter ${key}, which no runbook step passes`);
        continue;
      }
      parameters[key] = {
        ...(passed.default !== undefined ? { default: passed.default } : {}),
        type: override.type,
        description: override.description ?? passed.description,
        ...(override.type === 'String' && (override.allowedPattern ?? passed.allowedPattern)
          ? { allowedPattern: override.allowedPattern ?? passed.allowedPattern }
          : {}),
      };
    }
    const used = new Set<string>([ASSUME_ROLE_PARAMETER]);
    for (const match of JSON.stringify(spec.steps).matchAll(DOCUMENT_VARIABLE)) {
      const variable = match[1]!;
      if (variable.includes('.') || variable.startsWith('automation:') || variable === 'global') continue;
      used.add(variable);
      if (!parameters[variable]) problems.push(`${name} uses {{ ${variable} }}, which no runbook step passes`);
    }
    for (const key of Object.keys(parameters))
      if (!used.has(key)) problems.push(`${name} is passed ${key} but never uses it`);
    documents.push({
      name,
      definedIn,
      usedBy: [...new Set(uses.map(({ ref }) => ref.runbookId))],
      content: {
        schemaVersion: '0.3',
        description: spec.description,
        assumeRole: `{{ ${ASSUME_ROLE_PARAMETER} }}`,
        parameters,
        mainSteps: spec.steps,
      },
      permissions: spec.permissions,
    });
  }
  if (problems.length > 0) throw new AutomationDocumentError(`runbook automations:\n- ${problems.join('\n- ')}`);
  return documents.sort((a, b) => a.name.localeCompare(b.name));
}

/** Actions AWS checks besides the one called (CodeDeploy's CreateDeployment reads the revision and the config). */
const DEPENDENT_ACTIONS: Readonly<Record<string, readonly string[]>> = {
  'codedeploy:CreateDeployment': ['codedeploy:GetApplicationRevision', 'codedeploy:GetDeploymentConfig'],
};

/**
 * The IAM actions a document's steps call: `service:Api` of each `aws:executeAwsApi` and
 * `aws:waitForAwsResourceProperty` step, the Run Command calls of `aws:runCommand`, and for `aws:executeScript` the
 * boto3 calls in its script (`client.stop_deployment(` is `codedeploy:StopDeployment` for a `codedeploy` client).
 */
export function actionsCalledBy(document: Pick<AutomationDocument, 'content'>): string[] {
  const actions = new Set<string>();
  for (const step of document.content.mainSteps) {
    const inputs = step.inputs as Record<string, unknown>;
    if (step.action === 'aws:executeAwsApi' || step.action === 'aws:waitForAwsResourceProperty') {
      actions.add(`${String(inputs.Service)}:${String(inputs.Api)}`);
    } else if (step.action === 'aws:runCommand') {
      for (const api of ['SendCommand', 'ListCommands', 'ListCommandInvocations']) actions.add(`ssm:${api}`);
    } else if (step.action === 'aws:executeScript') {
      const script = String(inputs.Script ?? '');
      const clients = new Map<string, string>();
      for (const m of script.matchAll(/(\w+)\s*=\s*boto3\.client\(\s*['"]([a-z0-9-]+)['"]/g)) clients.set(m[1]!, m[2]!);
      for (const m of script.matchAll(/(\w+)\.([a-z][a-z0-9_]*)\(/g)) {
        const service = clients.get(m[1]!);
        if (!service) continue;
        const api = m[2]!.replace(/(^|_)([a-z0-9])/g, (_s, _u, c: string) => c.toUpperCase());
        actions.add(`${service}:${api}`);
      }
    }
  }
  for (const action of [...actions]) for (const dependent of DEPENDENT_ACTIONS[action] ?? []) actions.add(dependent);
  return [...actions].sort();
}
