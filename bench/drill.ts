import { join } from 'node:path';
import { runDrill } from '../drills/harness';
import { loadScenarios } from '../drills/scenario';
import { formatScorecard } from '../drills/scorecard';

/**
 * The drill summary: the fast scenario subset (`fast: true`, the one CI runs) through the real harness (estate,
 * local Lumos, scripted operator), printed as the scorecard. `npm run drill` runs all scenarios.
 */
export async function drillBench(): Promise<void> {
  const scenarios = loadScenarios(join(__dirname, '..', 'drills', 'scenarios')).filter((s) => s.fast);
  console.log(`\n## Drill (fast subset: ${scenarios.map((s) => s.name).join(', ')}; all scenarios: npm run drill)`);
  const run = await runDrill({ scenarios, concurrency: 3 });
  console.log(formatScorecard(run.results, run.summary));
  console.log(`${run.results.length} scenarios in ${run.durationSeconds}s`);
}
