import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { renderCfn, resourcesOfType, synthStage } from './support/synth-stage';

const runbookDir = join(__dirname, '../../runbooks');

/** Every document name a runbook file runs, read from the YAML itself (steps and rollback). */
function referencedDocuments(): Map<string, string[]> {
  const byDocument = new Map<string, string[]>();
  for (const file of readdirSync(runbookDir).filter((f) => f.endsWith('.yaml'))) {
    const runbook = parseYaml(readFileSync(join(runbookDir, file), 'utf8')) as {
      steps?: { ssmAutomation?: { documentName: string } }[];
      rollback?: { ssmAutomation?: { documentName: string } }[];
    };
    for (const step of [...(runbook.steps ?? []), ...(runbook.rollback ?? [])]) {
      const name = step.ssmAutomation?.documentName;
      if (name) byDocument.set(name, [...(byDocument.get(name) ?? []), file]);
    }
  }
  return byDocument;
}

const { template } = synthStage('dev');
const documents = Object.values(resourcesOfType(template, 'AWS::SSM::Document')).map((r) => r.Properties);
const policies = Object.values(resourcesOfType(template, 'AWS::IAM::Policy')).map((r) => r.Properties);
const statements = policies.flatMap(
  (p) =>
    (p.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown; Condition?: unknown }[] })
      .Statement,
);
const actionsOf = (s: { Action: string | string[] }) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const resourcesOf = (s: { Resource: unknown }) =>
  (Array.isArray(s.Resource) ? s.Resource : [s.Resource]).map(renderCfn);

describe('runbook automation documents in the stack', () => {
  it('creates an Automation document (schemaVersion 0.3) for every document a runbook runs', () => {
    const referenced = [...referencedDocuments().keys()];
    expect(referenced.length).toBeGreaterThanOrEqual(12);
    const created = new Map(documents.map((d) => [d.Name as string, d]));
    const missing = referenced.filter((name) => !created.has(name.replace(/^Lumos-/, 'Lumos-dev-')));
    expect(missing).toEqual([]);
    for (const document of documents) {
      expect(document).toMatchObject({ DocumentType: 'Automation', UpdateMethod: 'NewVersion' });
      const content = document.Content as { schemaVersion: string; assumeRole: string; mainSteps: unknown[] };
      expect(content.schemaVersion).toBe('0.3');
      expect(content.assumeRole).toBe('{{ AutomationAssumeRole }}');
      expect(content.mainSteps.length).toBeGreaterThan(0);
    }
    expect(documents).toHaveLength(referenced.length);
  });

  it('lets runbook executors start only those documents, and pass only the automation role, to SSM only', () => {
    const starts = statements.filter((s) => actionsOf(s).includes('ssm:StartAutomationExecution'));
    expect(starts.length).toBeGreaterThanOrEqual(1);
    const allowed = documents.map((d) => `automation-definition/${d.Name as string}:*`).sort();
    for (const start of starts) {
      expect(actionsOf(start)).toEqual(['ssm:StartAutomationExecution']);
      expect(
        resourcesOf(start)
          .map((arn) => arn.slice(arn.indexOf('automation-definition/')))
          .sort(),
      ).toEqual(allowed);
    }
    const roles = Object.keys(resourcesOfType(template, 'AWS::IAM::Role')).filter((id) =>
      id.includes('RunbookAutomationsAssumeRole'),
    );
    expect(roles).toHaveLength(1);
    const passes = statements.filter(
      (s) => actionsOf(s).includes('iam:PassRole') && resourcesOf(s).some((r) => r.includes(roles[0]!)),
    );
    expect(passes.length).toBe(starts.length);
    for (const pass of passes) {
      expect(actionsOf(pass)).toEqual(['iam:PassRole']);
      expect(resourcesOf(pass)).toEqual([`<${roles[0]}.Arn>`]);
      expect(pass.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'ssm.amazonaws.com' } });
    }
    const wildcardPasses = statements.filter(
      (s) => actionsOf(s).includes('iam:PassRole') && resourcesOf(s).includes('*'),
    );
    expect(wildcardPasses).toEqual([]);
  });

  it('has SSM alone assume the automation role, for this account only', () => {
    const role = Object.entries(resourcesOfType(template, 'AWS::IAM::Role')).find(([id]) =>
      id.includes('RunbookAutomationsAssumeRole'),
    )![1].Properties;
    const trust = (
      role.AssumeRolePolicyDocument as { Statement: { Principal: unknown; Condition: Record<string, unknown> }[] }
    ).Statement;
    expect(trust).toHaveLength(1);
    expect(trust[0]!.Principal).toEqual({ Service: 'ssm.amazonaws.com' });
    expect(Object.keys(trust[0]!.Condition).sort()).toEqual(['ArnLike', 'StringEquals']);
  });
});
