import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { taskFunctions } from '../../../bin/cost/measure';
import {
  type Estimate,
  estimateMonthlyCost,
  modelOfAgent,
  type Prices,
  type StageAssumptions,
  type UsageProfile,
} from '../../../bin/cost/model';
import { renderEstimate } from '../../../bin/cost/report';
import { stepActor } from '../../../lambdas/function-catalogue';
import { loadStageConfig, STAGE_NAMES } from '../../../lib/config/stage-config';

const root = join(__dirname, '..', '..', '..');
const json = <T>(path: string): T => JSON.parse(readFileSync(join(root, path), 'utf8')) as T;
const prices = json<Prices>('pricing/aws-list-prices.json');
const stages = json<{ hoursPerMonth: number; stages: Record<string, StageAssumptions> }>(
  'pricing/stage-assumptions.json',
);
const usage = json<UsageProfile>('pricing/usage-profile.json');
const models = {
  triage: 'anthropic.claude-3-haiku-20240307-v1:0',
  plan: 'anthropic.claude-3-5-sonnet-20240620-v1:0',
  knowledgeEmbedding: 'amazon.titan-embed-text-v2:0',
};

function estimate(
  volume: { tickets: number; alerts: number; alertsPerIncident?: number },
  overrides: Partial<StageAssumptions> = {},
): Estimate {
  return estimateMonthlyCost({
    stage: 'prod',
    volume: { alertsPerIncident: 4, ...volume },
    prices,
    assumptions: { ...stages.stages.prod!, ...overrides },
    usage,
    models,
  });
}

const cost = (e: Estimate, service: string) => e.byService[service] ?? 0;

describe('estimateMonthlyCost', () => {
  it('adds up its line items, and every line is a finite, non-negative amount', () => {
    const e = estimate({ tickets: 3000, alerts: 20_000 });
    expect(e.total).toBeCloseTo(
      e.lines.reduce((sum, l) => sum + l.monthly, 0),
      6,
    );
    for (const line of e.lines) {
      expect(Number.isFinite(line.monthly)).toBe(true);
      expect(line.monthly).toBeGreaterThanOrEqual(0);
    }
  });

  it('grows the per-incident services with volume while the OpenSearch floor stays put', () => {
    const small = estimate({ tickets: 1000, alerts: 0 });
    const large = estimate({ tickets: 2000, alerts: 0 });
    expect(cost(large, 'Step Functions')).toBeCloseTo(2 * cost(small, 'Step Functions'), 6);
    expect(cost(large, 'Bedrock')).toBeCloseTo(2 * cost(small, 'Bedrock'), 6);
    expect(cost(large, 'OpenSearch Serverless')).toBe(cost(small, 'OpenSearch Serverless'));
    expect(large.perIncident).toBeLessThan(small.perIncident);
  });

  it('runs one workflow per correlated incident, not per alert signal', () => {
    const e = estimate({ tickets: 0, alerts: 12_000, alertsPerIncident: 4 });
    expect(e.incidents).toEqual({ tickets: 0, alerts: 3000, correlatedSignals: 9000 });
    const transitions = e.lines.find((l) => l.service === 'Step Functions')!.quantity;
    expect(transitions).toBeCloseTo(3000 * usage.incident.alert.stateTransitions, 6);
  });

  it('bills each agent at the model the stage config gives it', () => {
    expect(modelOfAgent(stepActor('Plan'), models)).toBe(models.plan);
    expect(modelOfAgent('sentiment', models)).toBe(models.triage);
    const e = estimate({ tickets: 100, alerts: 0 });
    const bedrock = e.lines.filter((l) => l.service === 'Bedrock' && l.item.includes(models.triage));
    expect(bedrock.length).toBeGreaterThan(0);
  });

  it('refuses a model it has no price for instead of pricing it at zero', () => {
    expect(() =>
      estimateMonthlyCost({
        stage: 'prod',
        volume: { tickets: 10, alerts: 0, alertsPerIncident: 1 },
        prices,
        assumptions: stages.stages.prod!,
        usage,
        models: { ...models, triage: 'acme.unpriced-model-v1:0' },
      }),
    ).toThrow(/no Bedrock price for acme.unpriced-model-v1:0/);
  });

  it.each(STAGE_NAMES)('prices the %s stage with its own models and assumptions', (stage) => {
    const e = estimateMonthlyCost({
      stage,
      volume: { tickets: 500, alerts: 2000, alertsPerIncident: 4 },
      prices,
      assumptions: stages.stages[stage]!,
      usage,
      models: loadStageConfig(stage).bedrock.models,
    });
    expect(e.total).toBeGreaterThan(0);
    expect(e.assumptions.join('\n')).toContain(loadStageConfig(stage).bedrock.models.triage);
  });
});

describe('renderEstimate', () => {
  it('prints the total by service, the line items and the assumptions', () => {
    const text = renderEstimate(estimate({ tickets: 3000, alerts: 20_000 }));
    expect(text).toMatch(/^Lumos prod: estimated monthly AWS cost for 3000 tickets and 20000 alerts/);
    expect(text).toMatch(/Total\s+\$\d+/);
    expect(text).toContain('Line items');
    expect(text).toContain('Assumptions');
    expect(text).toContain('OpenSearch Serverless');
  });
});

describe('taskFunctions', () => {
  it('maps the ASL task states to catalogue functions, callback tasks marked', () => {
    const tasks = taskFunctions(json('statemachines/incident.asl.json'));
    expect(tasks.get('Triage')).toEqual({ functionId: 'Triage', callback: false });
    expect(tasks.get('Knowledge')?.functionId).toBe('Knowledge');
    expect(tasks.get('HumanGate')).toEqual({ functionId: 'RequestApproval', callback: true });
  });
});
