import { join } from 'node:path';
import {
  ASSUME_ROLE_PARAMETER,
  AutomationDocumentError,
  actionsCalledBy,
  automationDocuments,
  automationReferences,
} from '../../../lambdas/governance/runbooks/automation-documents';
import { loadRunbooks } from '../../../lambdas/governance/runbooks/runbook-catalogue';
import { Runbook } from '../../../lambdas/governance/runbooks/runbook-schema';

const runbooks = [...loadRunbooks(join(__dirname, '../../../runbooks')).values()].map((loaded) => loaded.runbook);
const documents = automationDocuments(runbooks);

/** A minimal runbook with one ssmAutomation step, for the failure cases. */
function runbook(id: string, documentName: string, extra: Record<string, unknown> = {}): Runbook {
  return Runbook.parse({
    id,
    title: id,
    parameters: { user: { from: 'incident.externalId', pattern: '^[a-z]+$' } },
    steps: [{ name: 'act', ssmAutomation: { documentName, parameters: { UserName: '{{user}}' } } }],
    ...extra,
  });
}
const definition = {
  description: 'Does one thing',
  steps: [
    {
      name: 'Act',
      action: 'aws:executeAwsApi',
      inputs: { Service: 'ds', Api: 'ResetUserPassword', UserName: '{{ UserName }}' },
    },
  ],
  permissions: [{ actions: ['ds:ResetUserPassword'], resources: ['*'] }],
};

describe('automation documents generated from the runbooks', () => {
  it('defines every document a runbook step or rollback runs', () => {
    const referenced = new Set(runbooks.flatMap((r) => automationReferences(r).map((ref) => ref.documentName)));
    expect(referenced.size).toBeGreaterThanOrEqual(12);
    expect(documents.map((d) => d.name).sort()).toEqual([...referenced].sort());
  });

  it('writes schemaVersion 0.3 documents that assume the role parameter and take what the runbooks pass', () => {
    for (const document of documents) {
      expect(document.content.schemaVersion).toBe('0.3');
      expect(document.content.assumeRole).toBe(`{{ ${ASSUME_ROLE_PARAMETER} }}`);
      for (const ref of runbooks.flatMap(automationReferences).filter((r) => r.documentName === document.name))
        for (const key of Object.keys(ref.parameters)) expect(document.content.parameters).toHaveProperty(key);
    }
  });

  it("carries a runbook parameter's pattern to the document parameter it fills, optional ones admitting ''", () => {
    const restart = documents.find((d) => d.name === 'Lumos-RestartEcsService')!;
    expect(restart.content.parameters.Cluster).toMatchObject({
      allowedPattern: '^(?:[A-Za-z0-9:/_.-]{1,255})?$',
      default: '',
    });
    const reset = documents.find((d) => d.name === 'Lumos-ResetUserPassword')!;
    expect(reset.content.parameters.UserName?.allowedPattern).toBe('^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$');
    const scale = documents.find((d) => d.name === 'Lumos-ScaleOutEcsService')!;
    expect(scale.content.parameters.DesiredCount?.type).toBe('Integer');
  });

  it('grants each document exactly the actions its steps call (least privilege, nothing missing)', () => {
    for (const document of documents) {
      const granted = [...new Set(document.permissions.flatMap((p) => p.actions))].sort();
      expect({ name: document.name, actions: granted }).toEqual({
        name: document.name,
        actions: actionsCalledBy(document),
      });
    }
  });

  it('reads the boto3 calls of a script step as IAM actions', () => {
    const rollback = documents.find((d) => d.name === 'Lumos-RollbackDeployment')!;
    expect(actionsCalledBy(rollback)).toEqual(
      expect.arrayContaining([
        'codedeploy:StopDeployment',
        'codedeploy:CreateDeployment',
        'codedeploy:ListDeployments',
      ]),
    );
  });

  it('refuses a runbook that runs a document no runbook defines, naming both', () => {
    expect(() => automationDocuments([...runbooks, runbook('ghost-runner', 'Lumos-Ghost')])).toThrow(
      /ghost-runner step 'act' runs Lumos-Ghost, which no runbook defines/,
    );
  });

  it('refuses a document defined twice, a step that passes the role, and a document variable nobody passes', () => {
    const a = runbook('a', 'Lumos-One', { automations: { 'Lumos-One': definition } });
    const b = runbook('b', 'Lumos-One', { automations: { 'Lumos-One': definition } });
    expect(() => automationDocuments([a, b])).toThrow(/Lumos-One is defined by both a and b/);
    const role = Runbook.parse({
      ...a,
      steps: [
        {
          name: 'act',
          ssmAutomation: { documentName: 'Lumos-One', parameters: { UserName: '{{user}}', AutomationAssumeRole: 'x' } },
        },
      ],
    });
    expect(() => automationDocuments([role])).toThrow(/passes AutomationAssumeRole; the executor sets it/);
    const unknown = runbook('c', 'Lumos-One', {
      automations: {
        'Lumos-One': {
          ...definition,
          steps: [
            {
              ...definition.steps[0],
              inputs: {
                Service: 'ds',
                Api: 'ResetUserPassword',
                DirectoryId: '{{ DirectoryId }}',
                UserName: '{{ UserName }}',
              },
            },
          ],
        },
      },
    });
    expect(() => automationDocuments([unknown])).toThrow(/uses \{\{ DirectoryId \}\}, which no runbook step passes/);
    expect(() => automationDocuments([a])).not.toThrow();
    expect(() =>
      automationDocuments([
        runbook('d', 'Lumos-One', { automations: { 'Lumos-One': definition, 'Lumos-Two': definition } }),
      ]),
    ).toThrow(AutomationDocumentError);
  });
});
