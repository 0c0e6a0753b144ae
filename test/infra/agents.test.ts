import type { CfnElement } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { OpenSearchKnowledgeIndex } from '../../lambdas/adapters/aws/opensearch-knowledge-index';
import type { LumosStack } from '../../lib/lumos-stack';
import { renderCfn, resourcesOfType, synthStage } from './support/synth-stage';

const prod = synthStage('prod');
const dev = synthStage('dev');

const logicalIdOf = (stack: LumosStack, element: unknown): string => stack.getLogicalId(element as CfnElement);
const statementsOf = (stack: LumosStack, template: Template, id: string) => {
  const roleId = logicalIdOf(stack, stack.functions[id]!.role.node.defaultChild);
  return Object.values(resourcesOfType(template, 'AWS::IAM::Policy'))
    .filter((policy) => JSON.stringify(policy.Properties.Roles).includes(`"${roleId}"`))
    .flatMap(
      (policy) =>
        (policy.Properties.PolicyDocument as { Statement: Array<{ Action: string | string[]; Resource: unknown }> })
          .Statement,
    );
};
const resourcesFor = (stack: LumosStack, template: Template, id: string, action: string) =>
  statementsOf(stack, template, id)
    .filter((statement) => [statement.Action].flat().includes(action))
    .flatMap((statement) => [statement.Resource].flat().map(renderCfn));
const environmentOf = (stack: LumosStack, template: Template, id: string): Record<string, unknown> => {
  const fnId = logicalIdOf(stack, stack.functions[id]!.function.node.defaultChild);
  return (
    resourcesOfType(template, 'AWS::Lambda::Function')[fnId]!.Properties.Environment as {
      Variables: Record<string, unknown>;
    }
  ).Variables;
};

describe('knowledge search', () => {
  it('is a vector-search collection behind encryption and network policies, with standby replicas in prod only', () => {
    const [collection] = Object.values(resourcesOfType(prod.template, 'AWS::OpenSearchServerless::Collection'));
    expect(collection!.Properties).toMatchObject({ Type: 'VECTORSEARCH', StandbyReplicas: 'ENABLED' });
    expect(
      Object.values(resourcesOfType(dev.template, 'AWS::OpenSearchServerless::Collection'))[0]!.Properties
        .StandbyReplicas,
    ).toBe('DISABLED');
    const policies = Object.values(resourcesOfType(prod.template, 'AWS::OpenSearchServerless::SecurityPolicy')).map(
      (p) => p.Properties,
    );
    expect(policies.map((p) => p.Type).sort()).toEqual(['encryption', 'network']);
    expect(JSON.parse(String(policies.find((p) => p.Type === 'encryption')!.Policy))).toMatchObject({
      AWSOwnedKey: true,
    });
  });

  it('names its collection per stage, so two stages share an account', () => {
    const name = (template: Template) =>
      Object.values(resourcesOfType(template, 'AWS::OpenSearchServerless::Collection'))[0]!.Properties.Name;
    expect(name(prod.template)).toMatch(/^kb-[0-9a-f]{12}$/);
    expect(name(prod.template)).not.toBe(name(dev.template));
  });

  it('leaves the index to the knowledge sync, which creates it with the mapping its adapter searches', () => {
    expect(Object.keys(resourcesOfType(prod.template, 'AWS::OpenSearchServerless::Index'))).toEqual([]);
    const adapter = new OpenSearchKnowledgeIndex({
      client: {} as never,
      index: 'x',
      embedder: { dimensions: 1024, embed: async () => [] },
    });
    const mapping = (adapter.indexDefinition() as { mappings: { properties: Record<string, { type: string }> } })
      .mappings.properties;
    expect(mapping.articleId?.type).toBe('keyword');
    expect(mapping.embedding?.type).toBe('knn_vector');
  });

  it('lets the sync write and the knowledge agent only read, in the data access policy and in IAM', () => {
    const [access] = Object.values(resourcesOfType(prod.template, 'AWS::OpenSearchServerless::AccessPolicy'));
    // Fn::Sub (the bootstrap role's ARN) rendered like the other references, as `<AWS::AccountId>`.
    const withoutSub = JSON.parse(JSON.stringify(access!.Properties.Policy), (_key, value) =>
      value && typeof value === 'object' && typeof value['Fn::Sub'] === 'string'
        ? (value['Fn::Sub'] as string).replace(/\$\{([^}]+)\}/g, '<$1>')
        : value,
    );
    const policy = renderCfn(withoutSub);
    const syncRole = logicalIdOf(prod.stack, prod.stack.functions.KnowledgeSync!.role.node.defaultChild);
    const readerRole = logicalIdOf(prod.stack, prod.stack.functions.Knowledge!.role.node.defaultChild);
    const rules = JSON.parse(policy.replace(/<([A-Za-z0-9]+)\.Arn>/g, '$1')) as {
      Rules: { Permission: string[] }[];
      Principal: string[];
    }[];
    const writer = rules.find((rule) => rule.Principal.includes(syncRole))!;
    const reader = rules.find((rule) => rule.Principal.includes(readerRole))!;
    expect(writer.Rules.flatMap((r) => r.Permission)).toEqual(
      expect.arrayContaining(['aoss:WriteDocument', 'aoss:CreateCollectionItems']),
    );
    expect(reader.Rules.flatMap((r) => r.Permission)).not.toContain('aoss:WriteDocument');
    // The sync creates the index; the deployer is not in the data access policy at all.
    expect(writer.Rules.flatMap((r) => r.Permission)).toContain('aoss:CreateIndex');
    expect(rules.some((rule) => rule.Principal.some((p) => p.includes('cfn-exec-role')))).toBe(false);
    expect(resourcesFor(prod.stack, prod.template, 'Knowledge', 'aoss:APIAccessAll')).toEqual([
      expect.stringMatching(/KnowledgeSearchCollection.*\.Arn>$/),
    ]);
    expect(resourcesFor(prod.stack, prod.template, 'Triage', 'aoss:APIAccessAll')).toEqual([]);
  });

  it('runs the knowledge sync on a schedule with retries and its dead-letter queue', () => {
    const rules = Object.values(resourcesOfType(prod.template, 'AWS::Events::Rule')).filter((rule) =>
      String(rule.Properties.ScheduleExpression ?? '').startsWith('rate('),
    );
    const sync = rules.find((rule) => JSON.stringify(rule.Properties.Targets).includes('KnowledgeSync'))!;
    expect(sync.Properties.ScheduleExpression).toBe('rate(1 hour)');
    expect(sync.Properties.Targets).toEqual([
      expect.objectContaining({
        RetryPolicy: expect.objectContaining({ MaximumRetryAttempts: 2 }),
        DeadLetterConfig: expect.anything(),
      }),
    ]);
    expect(environmentOf(prod.stack, prod.template, 'KnowledgeSync')).toMatchObject({
      KNOWLEDGE_INDEX_NAME: 'lumos-knowledge',
      BEDROCK_EMBEDDING_MODEL_ID: 'amazon.titan-embed-text-v2:0',
      KNOWLEDGE_EMBEDDING_DIMENSIONS: '1024',
    });
  });
});

describe('agent model access', () => {
  it('tells each agent its own model settings and nobody else’s', () => {
    const settings = (id: string) =>
      JSON.parse(renderCfn(environmentOf(prod.stack, prod.template, id).LUMOS_LLM_SETTINGS)) as {
        agents: Record<string, { modelId: string }>;
        budgetTokensPerIncident: number;
        guardrail?: unknown;
      };
    expect(Object.keys(settings('Sentiment').agents)).toEqual(['sentiment']);
    expect(Object.keys(settings('LogAnalysis').agents)).toEqual(['log-analysis']);
    expect(settings('Triage').agents.triage.modelId).toMatch(/^anthropic\.claude-3-5-sonnet/);
    expect(settings('Knowledge').budgetTokensPerIncident).toBe(60_000);
    expect(settings('Knowledge').guardrail).toBeDefined();
    expect(environmentOf(prod.stack, prod.template, 'Dependency').LUMOS_LLM_SETTINGS).toBeUndefined();
  });

  it('creates a prompt-attack guardrail outside dev and lets only the model-using agents apply it', () => {
    const [guardrail] = Object.values(resourcesOfType(prod.template, 'AWS::Bedrock::Guardrail'));
    expect(guardrail!.Properties.ContentPolicyConfig).toEqual({
      FiltersConfig: [{ Type: 'PROMPT_ATTACK', InputStrength: 'HIGH', OutputStrength: 'NONE' }],
    });
    expect(Object.keys(resourcesOfType(dev.template, 'AWS::Bedrock::Guardrail'))).toHaveLength(0);
    for (const id of ['Triage', 'Knowledge', 'Sentiment', 'LogAnalysis']) {
      expect(resourcesFor(prod.stack, prod.template, id, 'bedrock:ApplyGuardrail')).toHaveLength(1);
    }
    expect(resourcesFor(prod.stack, prod.template, 'Dependency', 'bedrock:ApplyGuardrail')).toEqual([]);
  });

  it('scopes Logs Insights StartQuery to the mapped log groups', () => {
    expect(resourcesFor(prod.stack, prod.template, 'LogAnalysis', 'logs:StartQuery')).toEqual([
      expect.stringMatching(/:log-group:\/aws\/lambda\/\*:\*$/),
      expect.stringMatching(/:log-group:\/ecs\/\*:\*$/),
    ]);
    expect(resourcesFor(prod.stack, prod.template, 'Sentiment', 'logs:StartQuery')).toEqual([]);
  });
});
