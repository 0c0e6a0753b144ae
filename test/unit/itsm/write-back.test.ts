import { ItsmAuthError, ItsmUnavailableError } from '../../../lambdas/itsm/itsm-errors';
import { idempotencyKeyOf, writeBack } from '../../../lambdas/itsm/write-back';
import { type ItsmContractServer, startItsmContractServer } from '../../support/itsm-contract-server';
import { MemoryIncidentStore } from '../../support/memory-incident-store';
import { contractItsm, incidentFrom } from './fixtures';

const clock = { now: () => new Date() };
const SYS_ID = '9d385017c611228701d22104cc95c371';

describe('writing back exactly once', () => {
  let server: ItsmContractServer;
  let store: MemoryIncidentStore;

  beforeEach(async () => {
    server = await startItsmContractServer();
    server.seedServiceNowIncident({ sys_id: SYS_ID, number: 'INC0010042' });
    server.seedJiraIssue({ id: '10400', key: 'OPS-15' });
    server.seedZendeskTicket({ id: 35436 });
    store = new MemoryIncidentStore();
    await store.create(incidentFrom('servicenow', { externalId: 'INC0010042', sysId: SYS_ID, incidentId: 'inc-snow' }));
    await store.create(incidentFrom('jira', { externalId: 'OPS-15', incidentId: 'inc-jira' }));
    await store.create(incidentFrom('zendesk', { externalId: '35436', incidentId: 'inc-zd' }));
  });
  afterEach(() => server.close());

  const load = async (id: string) => (await store.get(id))!;

  it('retries a 429 after the Retry-After it carries, and posts the comment once', async () => {
    server.failNext({ vendor: 'jira', method: 'POST', path: '/comment', status: 429, retryAfter: '1' });
    await writeBack({ store, itsm: contractItsm(server), clock }, await load('inc-jira'), 'first-response', {
      workNote: 'hello',
    });
    const [limited, accepted] = server.callsOf('jira');
    expect([limited!.status, accepted!.status]).toEqual([429, 201]);
    expect(accepted!.at - limited!.at).toBeGreaterThanOrEqual(1000);
    expect(server.jira.issues.get('OPS-15')!.comments).toHaveLength(1);
  });

  it('gives the retry to the state machine when Retry-After asks for longer than the wait budget', async () => {
    server.failNext({ vendor: 'zendesk', status: 429, retryAfter: '120' });
    const attempt = writeBack({ store, itsm: contractItsm(server), clock }, await load('inc-zd'), 'first-response', {
      workNote: 'hello',
    });
    await expect(attempt).rejects.toBeInstanceOf(ItsmUnavailableError);
    await expect(attempt).rejects.toMatchObject({ name: 'Lumos.TransientError' });
    expect(server.zendesk.tickets.get(35436)!.comments).toHaveLength(0);
    // The failed attempt released its claim: the state machine's retry writes at once.
    await writeBack({ store, itsm: contractItsm(server), clock }, await load('inc-zd'), 'first-response', {
      workNote: 'hello',
    });
    expect(server.zendesk.tickets.get(35436)!.comments).toHaveLength(1);
  });

  it('does not post again when a response is lost after the vendor applied the write', async () => {
    server.failNext({ vendor: 'zendesk', method: 'PUT', status: 502, applyFirst: true });
    const result = await writeBack(
      { store, itsm: contractItsm(server), clock },
      await load('inc-zd'),
      'first-response',
      {
        workNote: 'hello',
        state: 'in_progress',
      },
    );
    expect(server.sequence('zendesk')).toEqual([
      '502 PUT /api/v2/tickets/35436',
      '200 GET /api/v2/tickets/35436/comments',
    ]);
    expect(server.zendesk.tickets.get(35436)!.comments).toHaveLength(1);
    expect(result.receipt?.alreadyPosted).toEqual(['note']);
  });

  it('checks the journal instead of re-sending a ServiceNow PATCH whose answer timed out', async () => {
    server.failNext({ vendor: 'servicenow', method: 'PATCH', status: 504, applyFirst: true });
    await writeBack({ store, itsm: contractItsm(server), clock }, await load('inc-snow'), 'first-response', {
      workNote: 'hello',
      state: 'in_progress',
    });
    expect(server.sequence('servicenow')).toEqual([
      `504 PATCH /api/now/table/incident/${SYS_ID}`,
      '200 GET /api/now/table/sys_journal_field',
    ]);
    expect(server.journalOf(SYS_ID)).toHaveLength(1);
  });

  it('posts again after an unclear failure that did not land', async () => {
    server.failNext({ vendor: 'jira', method: 'POST', path: '/comment', status: 503 });
    await writeBack({ store, itsm: contractItsm(server), clock }, await load('inc-jira'), 'first-response', {
      workNote: 'hello',
    });
    expect(server.sequence('jira')).toEqual([
      '503 POST /rest/api/3/issue/OPS-15/comment',
      '200 GET /rest/api/3/issue/OPS-15/comment',
      '201 POST /rest/api/3/issue/OPS-15/comment',
    ]);
    expect(server.jira.issues.get('OPS-15')!.comments).toHaveLength(1);
  });

  it('a step retried after a failed attempt finds its note on the ticket and only finishes the rest', async () => {
    const deps = { store, itsm: contractItsm(server, async () => undefined), clock };
    server.failNext({ vendor: 'jira', method: 'PUT', status: 503, times: 3 });
    const update = { workNote: 'handoff packet', priority: 'P1' as const };
    await expect(writeBack(deps, await load('inc-jira'), 'handoff', update)).rejects.toBeInstanceOf(
      ItsmUnavailableError,
    );
    expect(server.jira.issues.get('OPS-15')!.comments).toHaveLength(1);

    const retried = await writeBack(deps, await load('inc-jira'), 'handoff', update);
    expect(retried.record).toMatchObject({ status: 'written', attempt: 2, alreadyPosted: ['note'] });
    expect(server.jira.issues.get('OPS-15')!.comments).toHaveLength(1);
    expect(server.jira.issues.get('OPS-15')!.priority).toBe('Highest');
    // Attempt 1: the comment, then the PUT until the wait budget is spent. Attempt 2: look, then only the PUT.
    expect(server.sequence('jira')).toEqual([
      '201 POST /rest/api/3/issue/OPS-15/comment',
      '503 PUT /rest/api/3/issue/OPS-15',
      '503 PUT /rest/api/3/issue/OPS-15',
      '503 PUT /rest/api/3/issue/OPS-15',
      '200 GET /rest/api/3/issue/OPS-15/comment',
      '204 PUT /rest/api/3/issue/OPS-15',
    ]);
  });

  it('takes over the write of an attempt that died holding it, once its lease ends, without posting twice', async () => {
    const key = idempotencyKeyOf('inc-zd', 'first-response');
    // An earlier attempt claimed the write and posted the note, then its process died before it could finish.
    await store.claimDelivery(`itsm-write:${key}`, { now: new Date(), leaseSeconds: 1 });
    server.zendesk.tickets.get(35436)!.comments.push({
      id: 1,
      body: `hello\n\n[lumos-writeback] ref:${key}.note`,
      plain_body: `hello\n\n[lumos-writeback] ref:${key}.note`,
      public: false,
      author_id: 800001,
      created_at: new Date().toISOString(),
    });
    const started = Date.now();
    const result = await writeBack(
      { store, itsm: contractItsm(server), clock, leaseSeconds: 1 },
      await load('inc-zd'),
      'first-response',
      {
        workNote: 'hello',
        state: 'in_progress',
      },
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(result.record).toMatchObject({ attempt: 2, alreadyPosted: ['note'] });
    expect(server.zendesk.tickets.get(35436)!.comments).toHaveLength(1);
  });

  it('records the write on the incident with its key and a timeline entry', async () => {
    await writeBack({ store, itsm: contractItsm(server), clock }, await load('inc-snow'), 'first-response', {
      workNote: 'hello',
      state: 'in_progress',
    });
    const incident = await load('inc-snow');
    expect(incident.agents.itsm).toEqual({
      writes: {
        'first-response': expect.objectContaining({
          purpose: 'first-response',
          idempotencyKey: idempotencyKeyOf('inc-snow', 'first-response'),
          status: 'written',
          ticket: { source: 'servicenow', id: SYS_ID, displayId: 'INC0010042' },
          attempt: 1,
          set: { state: 'in_progress' },
        }),
      },
    });
    expect(incident.timeline.at(-1)).toMatchObject({
      actor: 'itsm',
      type: 'itsm.write',
      summary: 'Wrote first-response to servicenow INC0010042 (work note, state -> in_progress)',
    });
  });

  it('fails with a named error and writes nothing when the credentials are refused', async () => {
    const { createConnector } = await import('../../../lambdas/itsm/connector-registry');
    const connector = createConnector('servicenow', {
      baseUrl: server.url,
      credentials: { type: 'basic', username: 'lumos', password: 'wrong' },
    });
    const attempt = writeBack(
      { store, itsm: { connector: async () => connector }, clock },
      await load('inc-snow'),
      'first-response',
      { workNote: 'x' },
    );
    await expect(attempt).rejects.toBeInstanceOf(ItsmAuthError);
    expect(server.journalOf(SYS_ID)).toHaveLength(0);
    expect((await store.getDelivery(`itsm-write:${idempotencyKeyOf('inc-snow', 'first-response')}`))?.state).toBe(
      'failed',
    );
  });

  it('keeps incidents from sources without a ticket on the incident only', async () => {
    const alert = { ...incidentFrom('alertmanager', { externalId: 'HighLatency', incidentId: 'inc-alert' }) };
    await store.create(alert);
    const result = await writeBack({ store, itsm: contractItsm(server), clock }, alert, 'first-response', {
      workNote: 'x',
    });
    expect(result.record.status).toBe('no-ticket');
    expect(server.calls).toHaveLength(0);
  });
});
