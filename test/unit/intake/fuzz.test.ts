import fc from 'fast-check';
import { Incident, Signal } from '../../../lambdas/core/incident';
import { handleDelivery } from '../../../lambdas/intake/intake-request';
import { eventParserFor, webhookParserFor } from '../../../lambdas/intake/sources';
import type { SourceParser } from '../../../lambdas/intake/sources/source';
import { LumosError } from '../../../lambdas/shared/errors';
import { fixture, fixtureText, harness, headerLookup, nativeAuth, parseContext, sampleText } from './support';

/** Property-based fuzzing: no body, however malformed, makes intake fail with anything but a 4xx, or half-write. */

const RUNS = Number(process.env.LUMOS_FUZZ_RUNS ?? 150);

type Json = unknown;
type Path = (string | number)[];

/** Every path into a JSON value (objects and arrays), up to a depth. */
function pathsOf(value: Json, prefix: Path = [], depth = 0, out: Path[] = []): Path[] {
  if (depth > 8 || value === null || typeof value !== 'object') return out;
  for (const key of Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value)) {
    const path = [...prefix, key];
    out.push(path);
    pathsOf((value as Record<string | number, Json>)[key], path, depth + 1, out);
  }
  return out;
}

const mutation = fc.record({
  pick: fc.nat(),
  kind: fc.constantFrom('delete', 'replace', 'text', 'huge', 'type', 'extra'),
  replacement: fc.jsonValue({ maxDepth: 3 }),
  text: fc.string({ unit: 'binary', maxLength: 40 }),
  key: fc.string({ maxLength: 12 }),
});

type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(original: Json, mutations: Mutation[]): Json {
  let value = structuredClone(original);
  for (const m of mutations) {
    const paths = pathsOf(value);
    if (paths.length === 0) return m.replacement;
    const path = paths[m.pick % paths.length]!;
    const parent = path
      .slice(0, -1)
      .reduce<Json>((node, key) => (node as Record<string | number, Json>)[key], value) as Record<
      string | number,
      Json
    >;
    const key = path.at(-1)!;
    switch (m.kind) {
      case 'delete':
        if (Array.isArray(parent)) parent.splice(Number(key), 1);
        else delete parent[key];
        break;
      case 'replace':
        parent[key] = m.replacement;
        break;
      case 'text':
        parent[key] = m.text;
        break;
      case 'huge':
        parent[key] = `${m.text}🚨`.repeat(5000);
        break;
      case 'type':
        parent[key] =
          typeof parent[key] === 'string' ? 42 : typeof parent[key] === 'number' ? String(parent[key]) : [parent[key]];
        break;
      case 'extra':
        if (parent && typeof parent === 'object' && !Array.isArray(parent)) parent[`${m.key}_extra`] = m.replacement;
        else value = m.replacement;
        break;
    }
  }
  return value;
}

const mutated = (originals: Json[]) =>
  fc
    .tuple(fc.constantFrom(...originals), fc.array(mutation, { minLength: 1, maxLength: 4 }))
    .map(([original, mutations]) => mutate(original, mutations));

/** Fixtures and samples per route: the seeds mutations start from. */
const SEEDS: Record<string, { parser: SourceParser; files: Json[] }> = {
  servicenow: {
    parser: webhookParserFor('servicenow')!,
    files: [
      fixture('servicenow/incident-created.json'),
      fixture('servicenow/incident-bare-minimal.json'),
      JSON.parse(sampleText('servicenow/xsoar-servicenowv2-test_RESPONSE_CREATE_TICKET.json')),
    ],
  },
  jira: {
    parser: webhookParserFor('jira')!,
    files: [
      'issue-created-cloud',
      'issue-created-datacenter',
      'issue-created-cloud-adf-unicode',
      'issue-updated-priority',
      'issue-updated-resolved',
      'issue-updated-comment-writeback',
    ].map((f) => fixture(`jira/${f}.json`)),
  },
  zendesk: {
    parser: webhookParserFor('zendesk')!,
    files: [
      'ticket-created',
      'ticket-solved',
      'ticket-minimal',
      'event-ticket-created',
      'event-status-changed-solved',
      'event-comment-added-writeback',
    ].map((f) => fixture(`zendesk/${f}.json`)),
  },
  pagerduty: {
    parser: webhookParserFor('pagerduty')!,
    files: [
      'incident-triggered',
      'incident-priority-updated',
      'incident-annotated',
      'incident-resolved',
      'incident-triggered-minimal',
    ].map((f) => fixture(`pagerduty/${f}.json`)),
  },
  alertmanager: {
    parser: webhookParserFor('alertmanager')!,
    files: ['group-firing', 'group-resolved', 'group-mixed', 'empty-alerts'].map((f) =>
      fixture(`alertmanager/${f}.json`),
    ),
  },
  grafana: {
    parser: webhookParserFor('grafana')!,
    files: ['firing-2-alerts', 'resolved', 'legacy-alerting'].map((f) => fixture(`grafana/${f}.json`)),
  },
  generic: {
    parser: webhookParserFor('generic')!,
    files: ['alert', 'resolve', 'ticket', 'batch'].map((f) => fixture(`generic/${f}.json`)),
  },
  cloudwatch: {
    parser: eventParserFor('aws.cloudwatch')!,
    files: [
      'alarm',
      'ok',
      'metric-math',
      'anomaly-detection',
      'composite',
      'multi-time-series-summary',
      'contributor-alarm',
    ].map((f) => fixture(`cloudwatch/${f}.json`)),
  },
  'zendesk-events': {
    parser: eventParserFor('aws.partner/zendesk.com/1/default')!,
    files: ['eventbridge-ticket-created', 'eventbridge-status-changed'].map((f) => fixture(`zendesk/${f}.json`)),
  },
};

/** Anything a sender could put in a body: mutated real shapes, arbitrary JSON, arbitrary text. */
const bodies = (files: Json[]) =>
  fc.oneof(
    { weight: 6, arbitrary: mutated(files).map((v) => JSON.stringify(v) ?? 'null') },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? 'null') },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.constantFrom(...files), fc.nat()).map(([f, n]) => {
        const text = JSON.stringify(f);
        return text.slice(0, n % text.length);
      }),
    },
  );

describe.each(Object.entries(SEEDS))('fuzzing the %s parser', (_route, { parser, files }) => {
  it('returns canonical signals or a reason, or throws a named 4xx error: never anything else', () => {
    fc.assert(
      fc.property(fc.oneof(mutated(files), fc.jsonValue({ maxDepth: 4 })), (body) => {
        let outcome: ReturnType<SourceParser['parse']>;
        try {
          outcome = parser.parse(body, parseContext());
        } catch (error) {
          if (error instanceof LumosError && error.statusCode === 400) return;
          throw error;
        }
        if ('ignored' in outcome) {
          expect(typeof outcome.ignored).toBe('string');
          return;
        }
        const items = 'items' in outcome ? outcome.items : outcome.signals.map((signal) => ({ signal }));
        for (const item of items) {
          if ('refused' in item) {
            expect(item.refused.statusCode).toBe(400);
            continue;
          }
          if ('ignored' in item) {
            expect(typeof item.ignored).toBe('string');
            continue;
          }
          const checked = Signal.safeParse(item.signal);
          if (!checked.success) throw new Error(`not a canonical signal: ${JSON.stringify(checked.error.issues)}`);
        }
      }),
      { numRuns: RUNS },
    );
  });
});

describe('fuzzing the whole delivery path', () => {
  const STATUSES = new Set(['created', 'duplicate', 'correlated', 'updated', 'resolved', 'ignored']);
  const SECRET = 'fuzz-secret';

  it.each(Object.keys(SEEDS))(
    'answers any %s body with an answer or a 4xx, and never leaves a half-written incident',
    async (route) => {
      const { parser, files } = SEEDS[route]!;
      const event = parser.auth.kind === 'none';
      const h = harness();
      const seen = new Map<string, number>();
      await fc.assert(
        fc.asyncProperty(bodies(files), async (body) => {
          const headers = event ? {} : nativeAuth(parser.source, body, SECRET, h.clock.now());
          try {
            const answer = await handleDelivery(
              h.deps,
              parser,
              route,
              { body, header: headerLookup(headers) },
              SECRET,
              {
                channel: event ? 'event' : 'webhook',
              },
            );
            expect(STATUSES.has(answer.status)).toBe(true);
            seen.set(answer.status, (seen.get(answer.status) ?? 0) + 1);
            for (const item of answer.incidents ?? []) expect(STATUSES.has(item.status)).toBe(true);
          } catch (error) {
            if (!(error instanceof LumosError)) throw error;
            expect([400, 404, 413]).toContain(error.statusCode);
            seen.set(String(error.statusCode), (seen.get(String(error.statusCode)) ?? 0) + 1);
          }
        }),
        { numRuns: RUNS },
      );
      // The mutations must reach the store, or the property proves little.
      expect(h.store.incidents.size).toBeGreaterThan(0);
      expect(seen.get('400') ?? 0).toBeGreaterThan(0);
      for (const incident of h.store.incidents.values()) {
        expect(Incident.safeParse(incident).success).toBe(true);
        expect(incident.timeline[0]?.type).toBe('incident.created');
        expect(h.store.rosters.has(incident.incidentId)).toBe(true);
        expect(incident.executionArn).toBeDefined();
      }
      for (const record of h.store.deliveries.values()) expect(record.state).toBe('done');
      expect(await h.store.listFailedDeliveries()).toEqual([]);
    },
  );

  it('still accepts the unmutated fixtures after fuzzing (sanity of the seeds)', async () => {
    const h = harness();
    const body = fixtureText('generic/alert.json');
    const answer = await handleDelivery(
      h.deps,
      webhookParserFor('generic'),
      'generic',
      { body, header: headerLookup(nativeAuth('generic', body, SECRET)) },
      SECRET,
    );
    expect(answer.status).toBe('created');
  });
});
