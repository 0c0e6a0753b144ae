import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { classifyIncident, trainTriageModel } from '../../../lambdas/agents/triage/classifier';
import { InvalidTriageModelError, parseTriageModel } from '../../../lambdas/agents/triage/model-file';
import { formatOf, normalizePriority, parseCsv, parseTrainingData } from '../../../lambdas/agents/triage/training-data';

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
  const model = trainTriageModel(examples, 'incident-history.jsonl', new Date('2026-11-20T00:00:00Z'));

  it('learns every field and keeps the resolved incidents as precedent', () => {
    expect(model.exampleCount).toBe(examples.length);
    expect(model.fields.category?.classes).toContain('database');
    expect(model.fields.priority?.classes).toEqual(['P1', 'P2', 'P3', 'P4', 'P5']);
    expect(model.history).toHaveLength(examples.length);
  });

  it('classifies an unseen ticket and cites the most similar resolved incidents', () => {
    const prediction = classifyIncident(
      model,
      'Customers cannot pay, card payments time out',
      'payments failing at checkout since the release',
      'payments-api',
    );
    expect(prediction.fields.category?.label).toBe('application');
    expect(prediction.fields.assignmentGroup?.label).toBe('Payments Engineering');
    expect(prediction.similar.length).toBeGreaterThan(0);
    expect(prediction.similar[0]!.similarity).toBeGreaterThan(0.15);
    const probabilities = [prediction.fields.category!, ...prediction.fields.category!.alternatives].map(
      (p) => p.probability,
    );
    expect(probabilities).toEqual([...probabilities].sort((a, b) => b - a));
  });

  it('has nothing to say about text it has never seen a word of', () => {
    const prediction = classifyIncident(model, 'zzqx wvvb', '');
    expect(prediction.knownFeatures).toBe(0);
    expect(prediction.fields).toEqual({});
    expect(prediction.similar).toEqual([]);
  });

  it('round-trips through its file format, which is validated on load', () => {
    expect(parseTriageModel(JSON.parse(JSON.stringify(model)))).toEqual(model);
    expect(() => parseTriageModel({ format: 'something-else' })).toThrow(InvalidTriageModelError);
  });
});
