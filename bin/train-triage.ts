import { readFile, writeFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { trainTriageModel } from '../lambdas/agents/triage/classifier';
import { formatOf, parseTrainingData } from '../lambdas/agents/triage/training-data';

const USAGE = `Trains the local triage classifier from resolved incidents.

Usage: tsx bin/train-triage.ts --data <file.csv|file.jsonl> [--data <more>] [--out <model.json>]

Columns (CSV header or JSONL keys; ServiceNow and Jira names are recognised):
  title (short_description, summary), description, category, priority (P1..P5, 1..5, "1 - Critical"),
  assignment group (assignment_group, team), service (cmdb_ci), resolution (close_notes), id (number).
Default --out: local/fixtures/triage-model.json, which the local runtime uses (override with LUMOS_TRIAGE_MODEL).`;

/** `tsx bin/train-triage.ts --data history.csv`: reads resolved incidents, trains, writes the model file. */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { data: { type: 'string', multiple: true }, out: { type: 'string' }, help: { type: 'boolean' } },
  });
  if (values.help || !values.data?.length) {
    console.log(USAGE);
    process.exit(values.help ? 0 : 2);
  }
  const examples = [];
  for (const file of values.data) {
    const { examples: parsed, skipped } = parseTrainingData(await readFile(file, 'utf8'), formatOf(file));
    console.log(`${file}: ${parsed.length} incidents${skipped ? `, ${skipped} rows without a title skipped` : ''}`);
    examples.push(...parsed);
  }
  if (examples.length === 0) throw new Error('no incidents to learn from');
  const started = performance.now();
  const model = trainTriageModel(examples, values.data.map((f) => basename(f)).join(', '));
  const out = resolve(values.out ?? resolve(__dirname, '..', 'local', 'fixtures', 'triage-model.json'));
  await writeFile(out, `${JSON.stringify(model)}\n`);
  const classes = (field: 'category' | 'priority' | 'assignmentGroup') => model.fields[field]?.classes.length ?? 0;
  console.log(
    `trained on ${model.exampleCount} incidents in ${Math.round(performance.now() - started)} ms: ` +
      `${model.vocabulary.length} features, ${classes('category')} categories, ${classes('priority')} priorities, ` +
      `${classes('assignmentGroup')} groups -> ${out}`,
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
