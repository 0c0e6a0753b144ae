import { readFile, writeFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import {
  BedrockTitanEmbedder,
  type TitanDimensions,
  titanModelId,
} from '../lambdas/adapters/aws/bedrock-titan-embedder';
import { createUseEmbedder, USE_MODEL_ID } from '../lambdas/adapters/local/use-embedder';
import { type NamedEmbedder, trainTriageModel } from '../lambdas/agents/triage/classifier';
import { formatOf, parseTrainingData, type TrainingExample } from '../lambdas/agents/triage/training-data';
import { reliabilityText } from './eval/priority';

const USAGE = `Trains the triage classifier from resolved incidents.

Usage: tsx bin/train-triage.ts --data <file.csv|file.jsonl> [--data <more>] [--out <model.json>]
                               [--embedder use|titan] [--dimensions 256|512|1024]

Columns (CSV header or JSONL keys; ServiceNow and Jira names are recognised):
  title (short_description, summary), description, category, priority (P1..P5, 1..5, "1 - Critical"),
  assignment group (assignment_group, team), service (cmdb_ci), resolution (close_notes), id (number).
--embedder use (default): the offline Universal Sentence Encoder, which the local runtime uses.
--embedder titan: Amazon Titan Text Embeddings V2 through Bedrock (AWS credentials and region from the
  environment), for a model file shipped to the AWS triage function (TRIAGE_MODEL_PATH).
Default --out: local/fixtures/triage-model.json, which the local runtime uses (override with LUMOS_TRIAGE_MODEL).`;

/** `tsx bin/train-triage.ts --data history.csv`: reads resolved incidents, trains, writes the model file. */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      data: { type: 'string', multiple: true },
      out: { type: 'string' },
      embedder: { type: 'string' },
      dimensions: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help || !values.data?.length) {
    console.log(USAGE);
    process.exit(values.help ? 0 : 2);
  }
  const examples: TrainingExample[] = [];
  for (const file of values.data) {
    const { examples: parsed, skipped } = parseTrainingData(await readFile(file, 'utf8'), formatOf(file));
    console.log(`${file}: ${parsed.length} incidents${skipped ? `, ${skipped} rows without a title skipped` : ''}`);
    examples.push(...parsed);
  }
  if (examples.length === 0) throw new Error('no incidents to learn from');
  let embedding: NamedEmbedder;
  if (values.embedder === 'titan') {
    const dimensions = Number(values.dimensions ?? 1024) as TitanDimensions;
    const embedder = new BedrockTitanEmbedder({ client: new BedrockRuntimeClient({}), dimensions });
    embedding = { embedder, model: titanModelId(embedder.modelId, dimensions) };
  } else if (!values.embedder || values.embedder === 'use') {
    embedding = { embedder: createUseEmbedder({ cacheSize: 0 }), model: USE_MODEL_ID };
  } else throw new Error(`unknown --embedder '${values.embedder}': use 'use' or 'titan'`);

  const started = performance.now();
  const { model, report } = await trainTriageModel(examples, embedding, values.data.map((f) => basename(f)).join(', '));
  const out = resolve(values.out ?? resolve(__dirname, '..', 'local', 'fixtures', 'triage-model.json'));
  await writeFile(out, `${JSON.stringify(model)}\n`);
  console.log(
    `trained on ${model.exampleCount} incidents with ${embedding.model} embeddings and ${model.vocabulary.length} terms ` +
      `in ${((performance.now() - started) / 1000).toFixed(1)} s -> ${out}`,
  );
  for (const [field, scores] of Object.entries(report.fields)) {
    console.log(
      `\n${field}: ${scores.classes} classes; on held-out folds of your data: accuracy ${(scores.accuracy * 100).toFixed(1)}%, ` +
        `ECE ${scores.ece.toFixed(3)} (${scores.count} predictions)`,
    );
    console.log(reliabilityText(scores.reliability));
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
