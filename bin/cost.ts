/**
 * `npm run cost`: estimates one stage's monthly AWS bill for a ticket and alert volume, from the usage Lumos
 * measured per incident (`pricing/usage-profile.json`) and list prices kept as data (`pricing/aws-list-prices.json`,
 * `pricing/stage-assumptions.json`). `npm run cost -- --measure` re-measures the usage on the local runtime.
 *
 *   npm run cost -- --stage prod --tickets 3000 --alerts 20000
 *   npm run cost -- --stage dev --tickets 200 --alerts 1000 --json
 *   npm run cost -- --measure --sample 4
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { functionCatalogue } from '../lambdas/function-catalogue';
import { loadStageConfig, STAGE_NAMES, type StageName } from '../lib/config/stage-config';
import { measure, readJson } from './cost/measure';
import {
  estimateMonthlyCost,
  OUTCOME_CUSTOM_METRICS,
  type Prices,
  type StageAssumptions,
  type UsageProfile,
} from './cost/model';
import { renderEstimate } from './cost/report';

const ROOT = resolve(__dirname, '..');
const PRICING = join(ROOT, 'pricing');

function positive(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a number >= 0, got '${value}'`);
  return n;
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      stage: { type: 'string', default: 'prod' },
      tickets: { type: 'string' },
      alerts: { type: 'string' },
      'alerts-per-incident': { type: 'string' },
      prices: { type: 'string', default: join(PRICING, 'aws-list-prices.json') },
      assumptions: { type: 'string', default: join(PRICING, 'stage-assumptions.json') },
      usage: { type: 'string', default: join(PRICING, 'usage-profile.json') },
      json: { type: 'boolean', default: false },
      measure: { type: 'boolean', default: false },
      sample: { type: 'string', default: '4' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      'npm run cost -- [--stage dev|staging|prod] [--tickets N] [--alerts N] [--alerts-per-incident N] [--json]\n' +
        '               [--prices file] [--assumptions file] [--usage file]\n' +
        'npm run cost -- --measure [--sample N]   re-measure pricing/usage-profile.json on the local runtime\n',
    );
    return;
  }
  if (values.measure) {
    const profile = await measure(Math.max(1, Math.round(positive(values.sample, 'sample', 4))));
    writeFileSync(values.usage, `${JSON.stringify(profile, null, 2)}\n`);
    process.stdout.write(`wrote ${values.usage}\n${JSON.stringify(profile.incident, null, 2)}\n`);
    process.exit(0);
  }
  if (!(STAGE_NAMES as readonly string[]).includes(values.stage)) {
    throw new Error(`--stage must be one of ${STAGE_NAMES.join(', ')}`);
  }
  const stage = values.stage as StageName;
  const stageAssumptions = readJson<{ hoursPerMonth: number; stages: Record<string, StageAssumptions> }>(
    values.assumptions,
  );
  const assumptions = stageAssumptions.stages[stage];
  if (!assumptions) throw new Error(`${values.assumptions} has no assumptions for stage ${stage}`);
  const config = loadStageConfig(stage);
  const estimate = estimateMonthlyCost({
    stage,
    volume: {
      tickets: positive(values.tickets, 'tickets', 3000),
      alerts: positive(values.alerts, 'alerts', 20_000),
      alertsPerIncident: positive(values['alerts-per-incident'], 'alerts-per-incident', 4) || 1,
    },
    prices: readJson<Prices>(values.prices),
    assumptions,
    usage: readJson<UsageProfile>(values.usage),
    models: config.bedrock.models,
    hoursPerMonth: stageAssumptions.hoursPerMonth,
    monitoring: {
      customMetrics: OUTCOME_CUSTOM_METRICS,
      // A dead-letter alarm per function, plus failed executions, API 5XX and the operations dashboard's alarms.
      alarms: functionCatalogue.length + 6,
    },
  });
  process.stdout.write(values.json ? `${JSON.stringify(estimate, null, 2)}\n` : `${renderEstimate(estimate)}\n`);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`cost: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
