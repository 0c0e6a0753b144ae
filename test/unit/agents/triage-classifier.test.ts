import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  decodeVector,
  EmbeddingMismatchError,
  EmbeddingTriageClassifier,
  encodeVector,
  predictFromEmbedding,
  trainTriageModel,
} from '../../../lambdas/agents/triage/classifier';
import { InvalidTriageModelError, parseTriageModel } from '../../../lambdas/agents/triage/model-file';
import { formatOf, normalizePriority, parseCsv, parseTrainingData } from '../../../lambdas/agents/triage/training-data';
import { HashingEmbedder } from '../adapters/support/hashing-embedder';

describe('triage training data', () => {
  it('parses CSV with quoted commas, newlines and doubled quotes', () => {
    expect(parseCsv('a,b\n"x, y","line1\nline2 ""quoted"""\n')).toEqual([
      ['a', 'b'],
      ['x, y', 'line1\nline2 "quoted"'],
    ]);
  });

  it('recognises ServiceNow and Jira column names and normalises priorities', () => {
    const csv =
      'number,short_description,Description,Category,Priority,Assignment group,cmdb_ci,close_notes\nINC1,Disk full,/var at 100%,storage,2 - High,Platform,log-server,cleaned\n,,,,,,,\n';
    const { examples, skipped } = parseTrainingData(csv, 'csv');
    expect(skipped).toBe(0);
    expect(examples).toEqual([
      {
        id: 'INC1',
        title: 'Disk full',
        description: '/var at 100%',
        category: 'storage',
        priority: 'P2',
        assignmentGroup: 'Platform',
        service: 'log-server',
        resolution: 'cleaned',
      },
    ]);
    expect(
      parseTrainingData('{"summary":"VPN drops","priority":"Highest"}\n{"description":"no title"}\n', 'jsonl'),
    ).toMatchObject({
      examples: [{ title: 'VPN drops', priority: 'P1' }],
      skipped: 1,
    });
    expect(normalizePriority('P4')).toBe('P4');
    expect(normalizePriority('urgent-ish')).toBeUndefined();
    expect(formatOf('history.CSV')).toBe('csv');
    expect(() => formatOf('history.xlsx')).toThrow(/cannot tell the format/);
  });
});

describe('the triage classifier', () => {
  const { examples } = parseTrainingData(
    readFileSync(join(__dirname, '../../../local/fixtures/incident-history.jsonl'), 'utf8'),
    'jsonl',
  );
  // A word-hashing embedder keeps this test fast; the shipped model (real sentence embeddings) is tested in triage-agent.
  const embedding = { embedder: new HashingEmbedder(64), model: 'hashing-64' };
  const trained = trainTriageModel(examples, embedding, 'incident-history.jsonl', {
    now: new Date('2026-11-20T00:00:00Z'),
    iterations: 120,
  });

  it('learns every field, calibrates each on held-out folds and keeps the resolved incidents as precedent', async () => {
    const { model, report } = await trained;
    expect(model.exampleCount).toBe(examples.length);
    expect(model.fields.category?.classes).toContain('database');
    expect(model.fields.priority?.classes).toEqual(['P1', 'P2', 'P3', 'P4', 'P5']);
    expect(model.fields.priority!.temperature).toBeGreaterThan(0);
    expect(report.fields.priority!.count).toBe(examples.length);
    expect(report.fields.priority!.reliability.reduce((sum, bin) => sum + bin.count, 0)).toBe(examples.length);
    expect(model.history).toHaveLength(examples.length);
    expect(model.vocabulary.length).toBeGreaterThan(50);
  });

  it('classifies an unseen ticket and cites the most similar resolved incidents', async () => {
    const classifier = new EmbeddingTriageClassifier((await trained).model, embedding);
    const prediction = await classifier.classify(
      'Checkout page throws 502 for customers',
      'every checkout attempt ends in a 502 Bad Gateway, orders stopped',
      'checkout-api',
    );
    expect(prediction.fields.category?.label).toBe('application');
    expect(prediction.similar.length).toBeGreaterThan(0);
    const probabilities = [prediction.fields.category!, ...prediction.fields.category!.alternatives].map(
      (p) => p.probability,
    );
    expect(probabilities).toEqual([...probabilities].sort((a, b) => b - a));
    const distribution = Object.values(prediction.distributions.priority!);
    expect(distribution.reduce((a, b) => a + b, 0)).toBeCloseTo(1);
  });

  it('has no opinion on text unlike anything it learned from: the distribution is pulled to uniform', async () => {
    const { model } = await trained;
    // The same text, against a history whose incidents all sat almost on top of each other: by that standard it is
    // unlike all of them.
    const tight = { ...model, familiarity: model.familiarity.map(() => 0.999) };
    const text = ['Checkout page throws 502 for customers', 'orders stopped'] as const;
    const [vector] = await embedding.embedder.embed([`${text[0]}. ${text[1]}`]);
    expect(predictFromEmbedding(model, vector!, ...text).familiarity).toBe(1);
    const prediction = predictFromEmbedding(tight, vector!, ...text);
    expect(prediction.familiarity).toBe(0);
    expect(prediction.fields.priority!.probability).toBeCloseTo(0.2, 2);
  });

  it('refuses to read a model with embeddings other than the ones it was trained on', async () => {
    const { model } = await trained;
    expect(
      () => new EmbeddingTriageClassifier(model, { embedder: new HashingEmbedder(64), model: 'use-lite-512' }),
    ).toThrow(EmbeddingMismatchError);
  });

  it('round-trips through its file format, which is validated on load', async () => {
    const { model } = await trained;
    expect(parseTriageModel(JSON.parse(JSON.stringify(model)))).toEqual(model);
    expect(() => parseTriageModel({ format: 'something-else' })).toThrow(InvalidTriageModelError);
    expect(() => parseTriageModel({ format: 'lumos-triage-model', version: 1 })).toThrow(/retrain/);
    const truncated = { ...model, idf: model.idf.slice(1) };
    expect(() => parseTriageModel(JSON.parse(JSON.stringify(truncated)))).toThrow(/idf and vocabulary/);
  });

  it('stores embeddings as signed bytes that keep their direction', () => {
    const vector = Array.from({ length: 512 }, (_, i) => Math.sin(i));
    const norm = Math.sqrt(vector.reduce((s, v) => s + v * v, 0));
    const unit = vector.map((v) => v / norm);
    const decoded = decodeVector(encodeVector(unit));
    expect(decoded).toHaveLength(512);
    expect(unit.reduce((s, v, i) => s + v * decoded[i]!, 0)).toBeGreaterThan(0.998);
  });
});

describe('the shipped triage model', () => {
  it('is a valid version 2 model trained on the offline sentence encoder from the project history', () => {
    const model = parseTriageModel(
      JSON.parse(readFileSync(join(__dirname, '../../../local/fixtures/triage-model.json'), 'utf8')),
    );
    expect(model.embedding).toEqual({ model: 'use-lite-512', dimensions: 512 });
    expect(model.trainedOn).toBe('incident-history.jsonl');
    expect(model.fields.priority?.heldOut?.ece).toBeLessThan(0.15);
  });
});
