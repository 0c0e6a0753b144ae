import { writeBack } from '../../../lambdas/itsm/write-back';
import { type ItsmContractServer, startItsmContractServer } from '../../support/itsm-contract-server';
import { MemoryIncidentStore } from '../../support/memory-incident-store';
import { contractItsm, incidentFrom } from './fixtures';

const clock = { now: () => new Date() };

describe('Zendesk Tickets API connector against the contract server', () => {
  let server: ItsmContractServer;
  let store: MemoryIncidentStore;

  beforeEach(async () => {
    server = await startItsmContractServer();
    server.seedZendeskTicket({ id: 35436, subject: 'VPN drops' });
    store = new MemoryIncidentStore();
    await store.create(incidentFrom('zendesk', { externalId: '35436' }));
  });
  afterEach(() => server.close());

  it('writes an incident lifecycle as ticket updates with private notes, public replies, status, priority and group', async () => {
    const deps = { store, itsm: contractItsm(server), clock };
    const load = async () => (await store.get('inc-test-zendesk'))!;
    await writeBack(deps, await load(), 'first-response', {
      workNote: 'Lumos triage: P2 network',
      state: 'in_progress',
      priority: 'P2',
      assignment: { group: 'Network Operations' },
    });
    await writeBack(deps, await load(), 'handoff', {
      workNote: 'Handoff packet',
      assignment: { assignee: { name: 'Femi Adeyemi', email: 'femi.adeyemi@example.com' } },
    });
    await writeBack(deps, await load(), 'resolution', {
      workNote: 'Resolved by runbook vpn-reset',
      reply: 'Your VPN is stable again.',
      state: 'resolved',
    });

    expect(server.sequence('zendesk')).toEqual([
      '200 GET /api/v2/groups',
      '200 PUT /api/v2/tickets/35436',
      '200 GET /api/v2/users/search',
      '200 PUT /api/v2/tickets/35436',
      '200 PUT /api/v2/tickets/35436',
      '200 PUT /api/v2/tickets/35436',
    ]);
    const puts = server
      .callsOf('zendesk', { writesOnly: true })
      .map((c) => (c.body as { ticket: Record<string, unknown> }).ticket);
    expect(puts[0]).toEqual({
      status: 'open',
      priority: 'high',
      group_id: 360001001,
      comment: {
        body: expect.stringMatching(/^Lumos triage: P2 network\n\n\[lumos-writeback\] ref:lumos-[0-9a-f]{24}\.note$/),
        public: false,
      },
    });
    expect(puts[1]).toEqual({
      assignee_id: 900001,
      comment: { body: expect.stringContaining('Handoff packet'), public: false },
    });
    // One comment per update: the note goes with the fields, the public reply follows on its own.
    expect(puts[2]).toEqual({
      status: 'solved',
      comment: { body: expect.stringContaining('runbook vpn-reset'), public: false },
    });
    expect(puts[3]).toEqual({ comment: { body: expect.stringContaining('Your VPN is stable again.'), public: true } });
    const ticket = server.zendesk.tickets.get(35436)!;
    expect(ticket).toMatchObject({ status: 'solved', priority: 'high', group_id: 360001001, assignee_id: 900001 });
    expect(ticket.comments.map((c) => c.public)).toEqual([false, false, false, true]);
  });
});
