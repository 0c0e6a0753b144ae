import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runDrill, startDrillEnvironment } from '../drills/harness';
import { checkAgainstEstate, loadScenarios } from '../drills/scenario';
import { formatScorecard } from '../drills/scorecard';
import { loadEstateDefinition } from '../estate/definition';

const USAGE = `Lumos incident drills: the demo estate, a real local Lumos, scenarios, a scorecard.

  npm run drill [-- --scenarios DIR] [--only NAME ...] [--fast] [--json FILE] [--dump DIR] [--concurrency N] [--quiet]

  --scenarios DIR   scenario files (YAML/JSON, docs/drills.md); default drills/scenarios
  --only NAME       run only these scenarios (repeatable)
  --fast            run only the scenarios marked fast: true (the CI subset)
  --json FILE       also write the results as JSON
  --dump DIR        also write each scenario's incidents (as GET /incidents/{id} shows them) to DIR/<name>.json
  --concurrency N   scenarios at once (only ones touching disjoint services); default 3
  --quiet           print only the scorecard`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      scenarios: { type: 'string', default: resolve(__dirname, '..', 'drills', 'scenarios') },
      only: { type: 'string', multiple: true },
      fast: { type: 'boolean', default: false },
      json: { type: 'string' },
      dump: { type: 'string' },
      concurrency: { type: 'string', default: '3' },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const estate = loadEstateDefinition();
  let scenarios = loadScenarios(resolve(values.scenarios));
  for (const scenario of scenarios) {
    const problems = checkAgainstEstate(scenario, estate);
    if (problems.length > 0) throw new Error(`scenario ${scenario.name}: ${problems.join('; ')}`);
  }
  if (values.only?.length) {
    const unknown = values.only.filter((name) => !scenarios.some((s) => s.name === name));
    if (unknown.length > 0) throw new Error(`no scenario named ${unknown.join(', ')} in ${values.scenarios}`);
    scenarios = scenarios.filter((s) => values.only!.includes(s.name));
  }
  if (values.fast) scenarios = scenarios.filter((s) => s.fast);
  if (scenarios.length === 0) throw new Error('no scenarios to run');
  const concurrency = Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error('--concurrency must be a positive integer');

  const log = values.quiet ? () => undefined : (message: string) => process.stdout.write(`${message}\n`);
  log(`running ${scenarios.length} scenario(s), up to ${concurrency} at once; starting the estate and Lumos ...`);
  const environment = await startDrillEnvironment({ log });
  // Ctrl+C stops Lumos (and its DynamoDB Local), the estate and the contract server before exiting.
  const stop = (signal: string) => {
    process.stderr.write(`${signal}: stopping the drill\n`);
    void environment.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  const run = await runDrill({
    scenarios,
    concurrency,
    log,
    environment,
    ...(values.dump ? { dumpDir: resolve(values.dump) } : {}),
  }).finally(() => environment.stop());
  process.stdout.write(`\n${formatScorecard(run.results, run.summary)}\n`);
  process.stdout.write(`\n${run.results.length} scenarios in ${run.durationSeconds}s (started ${run.startedAt})\n`);
  if (values.json) {
    await writeFile(resolve(values.json), `${JSON.stringify(run, null, 2)}\n`);
    process.stdout.write(`results written to ${values.json}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`drill failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
