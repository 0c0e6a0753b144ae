import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { FolderLogSource } from '../lambdas/adapters/local/folder-logs';
import { JsonFileTopology } from '../lambdas/adapters/local/json-topology';
import { createUseEmbedder, USE_MODEL_ID } from '../lambdas/adapters/local/use-embedder';
import { mapDependencies } from '../lambdas/agents/dependency/core';
import { analyseIncidentLogs } from '../lambdas/agents/log-analysis/core';
import { assessSentiment } from '../lambdas/agents/sentiment/core';
import { EmbeddingTriageClassifier, trainTriageModel } from '../lambdas/agents/triage/classifier';
import { parseTrainingData } from '../lambdas/agents/triage/training-data';
import { triageWithEvidence } from '../lambdas/agents/triage/triage-agent';
import type { Incident } from '../lambdas/core/incident';
import { fmt, percentile, table } from './stats';

const ROUNDS = 50;

/** Wall time of `work` over ROUNDS runs (after one warm-up): p50 and p95. */
async function time(work: () => Promise<unknown>): Promise<[string, string]> {
  await work();
  const samples: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const started = performance.now();
    await work();
    samples.push(performance.now() - started);
  }
  return [fmt(percentile(samples, 50)), fmt(percentile(samples, 95))];
}

/**
 * `npm run bench -- agents`: per-incident cost of the local agents on the sample fixtures (no model calls): triage
 * with the trained classifier, log analysis over about three hours of sample logs, dependency mapping, sentiment.
 */
export async function agentsBench(): Promise<void> {
  const fixtures = resolve(__dirname, '..', 'local', 'fixtures');
  const now = new Date();
  const incident: Incident = {
    incidentId: 'bench',
    source: 'servicenow',
    kind: 'ticket',
    externalId: 'INC-BENCH',
    fingerprint: 'bench',
    title: 'Checkout failing, card payments time out',
    description: 'Customers cannot pay since about 20 minutes. This is unacceptable, we are losing money!!',
    service: 'checkout-api',
    status: 'new',
    priority: 'P2',
    severity: {},
    labels: {},
    agents: {},
    timeline: [],
    createdAt: new Date(now.getTime() - 60_000).toISOString(),
    updatedAt: now.toISOString(),
  };
  const clock = { now: () => now };
  const trainStarted = performance.now();
  const { examples } = parseTrainingData(await readFile(join(fixtures, 'incident-history.jsonl'), 'utf8'), 'jsonl');
  const embedding = { embedder: createUseEmbedder(), model: USE_MODEL_ID };
  const { model: trained } = await trainTriageModel(examples, embedding, 'incident-history.jsonl');
  const model = new EmbeddingTriageClassifier(trained, embedding);
  const trainMs = performance.now() - trainStarted;
  const logs = new FolderLogSource({ dir: join(fixtures, 'logs'), replay: true });
  const topology = new JsonFileTopology(join(fixtures, 'topology.json'));
  const lines = (await readFile(join(fixtures, 'logs', 'checkout-api.log'), 'utf8')).split('\n').length;
  console.log(`\n## agents (local, no model calls; ${ROUNDS} runs each)`);
  console.log(
    table([
      ['agent', 'p50', 'p95', 'work'],
      [
        'triage (rules + classifier, embedding the ticket)',
        ...(await time(() => triageWithEvidence(incident, { model }))),
        `${examples.length} resolved incidents (trained in ${fmt(trainMs)})`,
      ],
      [
        'log analysis',
        ...(await time(() => analyseIncidentLogs(incident, { logs, clock }))),
        `${lines} log lines read, mined and compared`,
      ],
      [
        'dependency mapping',
        ...(await time(() => mapDependencies(incident, { topology, clock }))),
        'sample topology, 25 components',
      ],
      ['sentiment', ...(await time(() => assessSentiment(incident, {}))), '1 comment'],
    ]),
  );
}
