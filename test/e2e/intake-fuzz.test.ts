import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { type LocalLumos, startLocalLumos } from '../support/local-runtime';

/**
 * Property-based fuzzing of the running local runtime (`npm start` for real), route by route as
 * docs/intake-answers.md and the local-runtime contract describe them: every generated delivery, correctly signed,
 * is answered 202, 400 or 413 (never a 5xx, never 401); every 202 leads to incidents that `GET /incidents/{id}`
 * serves or to `ignored` entries with a reason; a refused batch entry carries its error.
 *
 * `LUMOS_FUZZ_RUNS` deliveries per route (default 40 in `npm test`; `npm run fuzz` runs 2,000 per route).
 */

const RUNS = Number(process.env.LUMOS_FUZZ_RUNS ?? 15);
/** Deliveries in flight at once per route: senders do not queue politely either. */
const CONCURRENCY = Number(process.env.LUMOS_FUZZ_CONCURRENCY ?? 4);
/**
 * The default `npm test` run replays one fixed seed (stable, quick); a run with `LUMOS_FUZZ_RUNS` set explores a new
 * seed each time (printed with the tally) unless `LUMOS_FUZZ_SEED` pins one.
 */
const SEED = Number(process.env.LUMOS_FUZZ_SEED ?? (process.env.LUMOS_FUZZ_RUNS ? Date.now() % 2 ** 31 : 13));
const SECRET = 'fuzz-e2e-secret';
/**
 * A long run gives each route a runtime of its own: the workflows that earlier routes' incidents started (thousands
 * of them at 2,000 deliveries per route) would otherwise load the machine and turn the last routes into a test of
 * overload rather than of input handling. The short `npm test` run shares one runtime (each start costs seconds).
 */
const FRESH_RUNTIME_PER_ROUTE = RUNS > 100;
const RUNTIME_ENV = { LUMOS_WEBHOOK_SECRET: SECRET, POWERTOOLS_LOG_LEVEL: 'ERROR' };
/** How often one delivery is sent again after a 503, each time after its Retry-After, before the test fails. */
const DEFERRED_RETRIES = 3;
const PROGRESS = Boolean(process.env.LUMOS_FUZZ_RUNS);
const MAX_BODY_BYTES = 1024 * 1024;

type Json = unknown;
type Path = (string | number)[];

const fixture = (path: string): Json =>
  JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', `${path}.json`), 'utf8'));

/** Seeds per route: the real shapes the mutations start from. */
const ROUTES: Record<string, { path: string; seeds: Json[] }> = {
  servicenow: {
    path: '/webhooks/servicenow',
    seeds: ['incident-created', 'incident-bare-minimal'].map((f) => fixture(`servicenow/${f}`)),
  },
  jira: {
    path: '/webhooks/jira',
    seeds: ['issue-created-cloud', 'issue-created-datacenter', 'issue-updated-priority', 'issue-updated-resolved'].map(
      (f) => fixture(`jira/${f}`),
    ),
  },
  zendesk: {
    path: '/webhooks/zendesk',
    seeds: ['ticket-created', 'ticket-minimal', 'event-ticket-created', 'event-status-changed-solved'].map((f) =>
      fixture(`zendesk/${f}`),
    ),
  },
  pagerduty: {
    path: '/webhooks/pagerduty',
    seeds: ['incident-triggered', 'incident-priority-updated', 'incident-resolved'].map((f) =>
      fixture(`pagerduty/${f}`),
    ),
  },
  alertmanager: {
    path: '/webhooks/alertmanager',
    seeds: ['group-firing', 'group-resolved', 'group-mixed'].map((f) => fixture(`alertmanager/${f}`)),
  },
  grafana: {
    path: '/webhooks/grafana',
    seeds: ['firing-2-alerts', 'resolved', 'legacy-alerting'].map((f) => fixture(`grafana/${f}`)),
  },
  generic: {
    path: '/webhooks/generic',
    seeds: ['alert', 'resolve', 'ticket', 'batch'].map((f) => fixture(`generic/${f}`)),
  },
  events: {
    path: '/events',
    seeds: [
      ...['alarm', 'ok', 'composite', 'contributor-alarm'].map((f) => fixture(`cloudwatch/${f}`)),
      ...['eventbridge-ticket-created', 'eventbridge-status-changed'].map((f) => fixture(`zendesk/${f}`)),
    ],
  },
};

/** Sets an own property, even one named `__proto__` (assignment would change the prototype instead). */
function setOwn(target: Record<string | number, Json>, key: string | number, value: Json): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Every path into a JSON value, up to a depth. */
function pathsOf(value: Json, prefix: Path = [], depth = 0, out: Path[] = []): Path[] {
  if (depth > 8 || value === null || typeof value !== 'object') return out;
  for (const key of Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value)) {
    const path = [...prefix, key];
    out.push(path);
    pathsOf((value as Record<string | number, Json>)[key], path, depth + 1, out);
  }
  return out;
}

/** Stand-ins replaced after serialising: nesting this deep cannot be built and stringified in-process safely. */
const deepToken = (levels: number) => `\u0000deep:${levels}\u0000`;
const deepJson = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;

const HOSTILE_TEXT = fc.constantFrom(
  '',
  ' ',
  'constructor',
  '__proto__',
  'toString',
  '\ud800',
  'tail\udc00',
  '🚨'.repeat(20_000),
  '界'.repeat(30_000),
  'x'.repeat(70_000),
  '\u0000\u0001\u007f',
  '\u202eRTL',
  '<img src=x onerror=alert(1)>',
  '[lumos-writeback] ref:abc',
  '0001-01-01T00:00:00Z',
  '9999-99-99T99:99:99Z',
  'firing',
  'resolved',
  'P1',
  '-1',
  'https://example.com/'.padEnd(5000, 'p'),
);

const HOSTILE_KEY = fc.constantFrom(
  'constructor',
  '__proto__',
  'toString',
  'hasOwnProperty',
  '',
  'a.b',
  '#x',
  ':v',
  'k'.repeat(10_000),
  '🚨',
);

const manyKeys = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`k${i}`, `v${i}`]));

/** A value worth putting anywhere: hostile text, odd JSON, deep nesting, thousands of keys, odd-keyed maps. */
const hostileValue: fc.Arbitrary<Json> = fc.oneof(
  { weight: 5, arbitrary: HOSTILE_TEXT },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom(10, 63, 65, 300, 5000).map(deepToken) },
  { weight: 1, arbitrary: fc.constantFrom(100, 3000).map(manyKeys) },
  {
    weight: 2,
    arbitrary: fc.array(fc.tuple(HOSTILE_KEY, HOSTILE_TEXT), { minLength: 1, maxLength: 5 }).map((pairs) => {
      const map: Record<string, Json> = {};
      for (const [key, value] of pairs) setOwn(map, key, value);
      return map;
    }),
  },
  { weight: 1, arbitrary: fc.constantFrom(0, -1, 1e308, 3.5, true, null, [], {}) },
);

const mutation = fc.record({
  pick: fc.nat(),
  kind: fc.constantFrom('replace', 'replace', 'key', 'key', 'delete', 'type', 'fresh', 'pad'),
  value: hostileValue,
  key: HOSTILE_KEY,
});
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

let counter = 0;
/** Keys whose values identify a delivery or the thing it is about: refreshed so mutations create incidents too. */
const ID_KEYS = new Set(['id', 'sys_id', 'fingerprint', 'groupKey', 'ruleId']);

function freshIds(value: Json, stamp: string): void {
  if (value === null || typeof value !== 'object') return;
  for (const key of Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value)) {
    const node = value as Record<string | number, Json>;
    if (
      typeof key === 'string' &&
      ID_KEYS.has(key) &&
      (typeof node[key] === 'string' || typeof node[key] === 'number')
    ) {
      node[key] = `${node[key]}-${stamp}`;
    } else freshIds(node[key], stamp);
  }
}

function mutate(original: Json, mutations: Mutation[]): Json {
  const value = structuredClone(original);
  for (const m of mutations) {
    if (m.kind === 'fresh') {
      freshIds(value, `fz${process.pid}x${++counter}`);
      continue;
    }
    const paths = pathsOf(value);
    if (paths.length === 0) return m.value;
    const path = paths[m.pick % paths.length]!;
    const parent = path
      .slice(0, -1)
      .reduce<Json>((node, key) => (node as Record<string | number, Json>)[key], value) as Record<
      string | number,
      Json
    >;
    const key = path.at(-1)!;
    switch (m.kind) {
      case 'replace':
        setOwn(parent, key, m.value);
        break;
      case 'key': {
        const target = parent[key];
        if (target && typeof target === 'object' && !Array.isArray(target)) {
          setOwn(target as Record<string, Json>, m.key, m.value);
        } else if (!Array.isArray(parent)) setOwn(parent, m.key, m.value);
        break;
      }
      case 'delete':
        if (Array.isArray(parent)) parent.splice(Number(key), 1);
        else delete parent[key];
        break;
      case 'type': {
        const current = parent[key];
        setOwn(
          parent,
          key,
          typeof current === 'string' ? 42 : typeof current === 'number' ? String(current) : [current],
        );
        break;
      }
      case 'pad':
        // About 300 KB: above the 256 KiB every route must accept.
        setOwn(parent, key, `${(JSON.stringify(parent[key]) ?? '').slice(0, 100)} ${'pad '.repeat(75_000)}`);
        break;
    }
  }
  return value;
}

/** Serialises, then splices in the deep-nesting stand-ins. */
function serialise(value: Json): string {
  const text = JSON.stringify(value) ?? 'null';
  return text.replace(/"\\u0000deep:(\d+)\\u0000"/g, (_, levels: string) => deepJson(Number(levels)));
}

interface Delivery {
  kind: 'hostile' | 'json' | 'text' | 'bytes' | 'oversize';
  body: Buffer;
}

/** What a sender might post: mutated real shapes (mostly), arbitrary JSON, arbitrary text and bytes, oversize. */
const deliveries = (seeds: Json[]): fc.Arbitrary<Delivery> =>
  fc.oneof(
    {
      weight: 14,
      arbitrary: fc
        .tuple(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: 4 }))
        .map(([seed, mutations]) => ({
          kind: 'hostile' as const,
          body: Buffer.from(serialise(mutate(seed, mutations)), 'utf8'),
        })),
    },
    {
      weight: 3,
      arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => ({ kind: 'json' as const, body: Buffer.from(serialise(v)) })),
    },
    {
      weight: 1,
      arbitrary: fc.string({ maxLength: 200 }).map((t) => ({ kind: 'text' as const, body: Buffer.from(t) })),
    },
    {
      weight: 1,
      arbitrary: fc.uint8Array({ minLength: 1, maxLength: 64 }).map((bytes) => ({
        kind: 'bytes' as const,
        body: Buffer.concat([Buffer.from('{"a":"'), bytes, Buffer.from([0xff, 0xfe]), Buffer.from('"}')]),
      })),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(...seeds).map((seed) => ({
        kind: 'oversize' as const,
        body: Buffer.from(serialise({ ...(seed as object), padding: 'o'.repeat(MAX_BODY_BYTES) })),
      })),
    },
  );

/** The headers that authenticate `body` on `route` the way its source natively signs. */
function signedHeaders(route: string, body: Buffer): Record<string, string> {
  const hex = createHmac('sha256', SECRET).update(body).digest('hex');
  switch (route) {
    case 'servicenow':
    case 'generic':
      return { 'X-Lumos-Signature': `sha256=${hex}` };
    case 'jira':
      return { 'X-Hub-Signature': `sha256=${hex}` };
    case 'pagerduty':
      return { 'X-PagerDuty-Signature': `v1=${'0'.repeat(64)}, v1=${hex}` };
    case 'zendesk': {
      const timestamp = new Date().toISOString();
      const signature = createHmac('sha256', SECRET)
        .update(Buffer.concat([Buffer.from(timestamp), body]))
        .digest('base64');
      return { 'X-Zendesk-Webhook-Signature': signature, 'X-Zendesk-Webhook-Signature-Timestamp': timestamp };
    }
    case 'alertmanager':
    case 'grafana':
      return { Authorization: `Bearer ${SECRET}` };
    default:
      return {};
  }
}

interface Answer {
  incidentId?: string | null;
  status?: string;
  reason?: string;
  incidents?: Answer[];
  refused?: { index: number; error: { code: string; message: string } }[];
  error?: { code: string; message: string; field?: string };
}

const STATUSES = new Set(['created', 'duplicate', 'correlated', 'updated', 'resolved', 'ignored']);

describe('fuzzing the running local runtime', () => {
  let lumos: LocalLumos;
  const seen = new Set<string>();
  const tally: Record<string, Record<string, number>> = {};

  beforeAll(async () => {
    // A busy machine can take a while to build the knowledge index.
    lumos = await startLocalLumos(RUNTIME_ENV, 240_000);
  }, 300_000);

  afterAll(async () => {
    const lines = Object.entries(tally).map(
      ([route, counts]) =>
        `  ${route.padEnd(13)} ${Object.entries(counts)
          .sort()
          .map(([k, n]) => `${k}=${n}`)
          .join(' ')}`,
    );
    process.stdout.write(`intake fuzz (${RUNS} deliveries per route, seed ${SEED}):\n${lines.join('\n')}\n`);
    await lumos?.stop();
  });

  /** Posts one delivery and checks its answer against the contract; returns what to tally. */
  async function deliver(route: string, delivery: Delivery): Promise<string[]> {
    const { path } = ROUTES[route]!;
    const send = () =>
      fetch(`${lumos.api}${path}`, {
        method: 'POST',
        body: delivery.body,
        headers: { 'content-type': 'application/json', ...signedHeaders(route, delivery.body) },
      });
    let retried = false;
    const attempt = () =>
      send()
        .catch((error: unknown) => {
          // A kept-alive socket closed by the server as the request went out is the transport's race, not an
          // answer: a sender retries it (the delivery is idempotent). Counted as `retried`; a second failure fails.
          if (!String((error as Error).cause).includes('other side closed')) throw error;
          retried = true;
          return send();
        })
        .catch((error: unknown) => {
          // A connection failure: say whether the runtime itself died, and what it last said.
          throw new Error(
            `no answer (${(error as Error).cause ?? error}); runtime exit code ${lumos.process.exitCode}; last output:\n${lumos.output().slice(-3000)}`,
          );
        });
    const where = `${route} ${delivery.kind} body (${delivery.body.length} bytes) ${delivery.body.toString('utf8', 0, 300)}`;
    let response = await attempt();
    // A 503 says "not now": the runtime was too busy (or a dependency was down) to finish a valid delivery. It must
    // say when to come back (Retry-After), and a sender that does so must get a final answer: a 503 caused by the
    // input itself would come back every time and fail the test. Counted as `deferred`.
    let deferred = 0;
    while (response.status === 503 && deferred < DEFERRED_RETRIES) {
      const retryAfter = Number(response.headers.get('retry-after'));
      if (!(retryAfter > 0)) throw new Error(`503 without Retry-After: ${(await response.text()).slice(0, 500)}`);
      await response.text();
      deferred++;
      await new Promise((r) => setTimeout(r, retryAfter * 1000));
      response = await attempt();
    }
    const text = await response.text();
    if (![202, 400, 413].includes(response.status)) {
      throw new Error(
        `answered ${response.status} ${text.slice(0, 500)} to ${where}\nruntime output:\n${lumos.output().slice(-4000)}`,
      );
    }
    if (delivery.body.length > MAX_BODY_BYTES) expect(response.status).toBe(413);
    else if (response.status === 413) throw new Error(`413 for a body under the limit: ${where}`);
    const answer = JSON.parse(text) as Answer;
    const extra = [...(retried ? ['retried'] : []), ...(deferred > 0 ? ['deferred'] : [])];
    if (response.status !== 202) {
      expect(typeof answer.error?.code).toBe('string');
      expect(typeof answer.error?.message).toBe('string');
      return [`${response.status}`, `${response.status}:${answer.error?.code}`, ...extra];
    }
    const entries = answer.incidents ?? [answer];
    for (const entry of entries) {
      if (!STATUSES.has(String(entry.status))) throw new Error(`unknown status in ${text.slice(0, 500)}`);
      // `ignored` always says why; a `duplicate` without an incident says what became of the first delivery (still
      // in flight, or itself ignored), so a sender is never left with an accepted delivery and nothing to show.
      if (entry.status === 'ignored' || (entry.status === 'duplicate' && entry.incidentId === null)) {
        if (!entry.reason) throw new Error(`${entry.status} without a reason: ${text.slice(0, 500)} for ${where}`);
        continue;
      }
      if (typeof entry.incidentId !== 'string') throw new Error(`accepted without an incident: ${text.slice(0, 500)}`);
      if (seen.has(entry.incidentId)) continue;
      const incident = await fetch(`${lumos.api}/incidents/${encodeURIComponent(entry.incidentId)}`);
      if (incident.status !== 200) {
        throw new Error(`GET /incidents/${entry.incidentId} answered ${incident.status} after ${where}`);
      }
      const shown = (await incident.json()) as { incidentId: string; labels: Record<string, string> };
      expect(shown.incidentId).toBe(entry.incidentId);
      expect(typeof shown.labels).toBe('object');
      seen.add(entry.incidentId);
    }
    for (const refused of answer.refused ?? []) {
      expect(typeof refused.index).toBe('number');
      expect(typeof refused.error.code).toBe('string');
    }
    return ['202', ...entries.map((e) => String(e.status)), ...(answer.refused?.length ? ['refused'] : []), ...extra];
  }

  const post = (route: string, body: Buffer | string) => {
    const bytes = Buffer.from(body);
    return fetch(`${lumos.api}${ROUTES[route]!.path}`, {
      method: 'POST',
      body: bytes,
      headers: { 'content-type': 'application/json', ...signedHeaders(route, bytes) },
    });
  };

  it('answers a two-alert Alertmanager group with one malformed alert by alert: 202, the good incident, the refused alert and its field', async () => {
    const group = fixture('alertmanager/group-firing') as { alerts: Record<string, Json>[] };
    const alerts = group.alerts
      .slice(0, 2)
      .map((alert, i): Record<string, Json> => ({ ...alert, fingerprint: `partial-${process.pid}-${i}` }));
    alerts[1]!.labels = 'not a map';
    const response = await post('alertmanager', JSON.stringify({ ...group, alerts }));
    expect(response.status).toBe(202);
    const answer = (await response.json()) as Answer & { incidents: (Answer & { index: number })[] };
    expect(answer.incidents).toEqual([expect.objectContaining({ index: 0, status: 'created' })]);
    expect(answer.refused).toEqual([
      { index: 1, error: expect.objectContaining({ code: 'schema_mismatch', field: 'alerts.1.labels' }) },
    ]);
    expect((await fetch(`${lumos.api}/incidents/${answer.incidents[0]!.incidentId}`)).status).toBe(200);
  });

  it('shows labels named constructor, __proto__ and nothing exactly as sent, and takes an alert without status from its group', async () => {
    const labels = '{"alertname":"OddKeys","constructor":"c","__proto__":"p","":"e"}';
    const body = `{"version":"4","status":"firing","receiver":"e2e","alerts":[{"labels":${labels},"annotations":{"summary":"odd keys"},"startsAt":"2026-12-03T10:00:00Z","fingerprint":"odd-${process.pid}"}]}`;
    const response = await post('alertmanager', body);
    expect(response.status).toBe(202);
    const { incidentId } = (await response.json()) as Answer;
    const shown = await (await fetch(`${lumos.api}/incidents/${incidentId}`)).text();
    expect(JSON.parse(shown).labels).toMatchObject({ alertname: 'OddKeys', constructor: 'c', '': 'e' });
    expect(shown).toContain('"__proto__":"p"');
  });

  it('answers /events nested 5,000 levels deep and from an unknown source with 400s, never a 5xx', async () => {
    const deep = await post('events', deepJson(5000));
    expect(deep.status).toBe(400);
    expect(((await deep.json()) as Answer).error?.code).toBe('too_deep');
    const unknown = await post(
      'events',
      JSON.stringify({ ...(fixture('cloudwatch/alarm') as object), source: 'acme.x' }),
    );
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as Answer).error).toMatchObject({ code: 'unknown_source', field: 'source' });
  });

  it('accepts a 256 KiB delivery, refuses one over 1 MiB with 413 and invalid UTF-8 with 400', async () => {
    const alert = fixture('generic/alert') as Record<string, Json>;
    const big = JSON.stringify({ ...alert, id: `big-${process.pid}`, description: 'd'.repeat(256 * 1024) });
    expect((await post('generic', big)).status).toBe(202);
    const huge = JSON.stringify({ ...alert, id: `huge-${process.pid}`, description: 'd'.repeat(MAX_BODY_BYTES) });
    expect((await post('generic', huge)).status).toBe(413);
    const bytes = Buffer.concat([Buffer.from('{"id":"x","title":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    const invalid = await post('generic', bytes);
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as Answer).error?.code).toBe('invalid_encoding');
  });

  it.each(Object.keys(ROUTES))(
    'answers every generated delivery to %s with 202, 400 or 413, and every accepted one has its incident or a reason',
    async (route) => {
      if (FRESH_RUNTIME_PER_ROUTE) {
        await lumos.stop();
        lumos = await startLocalLumos(RUNTIME_ENV, 240_000);
      }
      const samples = fc.sample(deliveries(ROUTES[route]!.seeds), {
        numRuns: RUNS,
        seed: SEED + route.length,
      });
      const counts: Record<string, number> = {};
      tally[route] = counts;
      let next = 0;
      const worker = async () => {
        while (next < samples.length) {
          const delivery = samples[next++]!;
          for (const key of await deliver(route, delivery)) counts[key] = (counts[key] ?? 0) + 1;
          if (PROGRESS && next % 250 === 0) process.stderr.write(`[fuzz] ${route}: ${next}/${RUNS}\n`);
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      if (PROGRESS) process.stderr.write(`[fuzz] ${route}: done, ${JSON.stringify(counts)}\n`);
      expect(Object.values(counts).length).toBeGreaterThan(0);
      // The mutations must reach the store as well as the schema checks, or the property proves little.
      expect(counts['202'] ?? 0).toBeGreaterThan(0);
      expect(counts['400'] ?? 0).toBeGreaterThan(0);
    },
    Math.max(120_000, RUNS * 1000),
  );
});
