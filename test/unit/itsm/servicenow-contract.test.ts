import { writeBack } from '../../../lambdas/itsm/write-back';
import { type ItsmContractServer, startItsmContractServer } from '../../support/itsm-contract-server';
import { MemoryIncidentStore } from '../../support/memory-incident-store';
import { contractItsm, DEFAULT_BASIC, incidentFrom } from './fixtures';

const SYS_ID = '9d385017c611228701d22104cc95c371';
const clock = { now: () => new Date() };

describe('ServiceNow Table API connector against the contract server', () => {
  let server: ItsmContractServer;
  let store: MemoryIncidentStore;

  beforeEach(async () => {
    server = await startItsmContractServer();
    server.seedServiceNowIncident({ sys_id: SYS_ID, number: 'INC0010042', short_description: 'VPN drops' });
    store = new MemoryIncidentStore();
    await store.create(incidentFrom('servicenow', { externalId: 'INC0010042', sysId: SYS_ID }));
  });
  afterEach(() => server.close());

  it('writes an incident lifecycle as PATCHes of the incident with work notes, state, group, assignee and resolution', async () => {
    const deps = { store, itsm: contractItsm(server), clock };
    const load = async () => (await store.get('inc-test-servicenow'))!;
    await writeBack(deps, await load(), 'first-response', {
      workNote: 'Lumos triage: P2 network',
      state: 'in_progress',
      assignment: { group: 'Network Operations' },
    });
    await writeBack(deps, await load(), 'handoff', {
      workNote: 'Handoff packet',
      priority: 'P1',
      assignment: {
        group: 'Network Operations',
        assignee: { name: 'Femi Adeyemi', email: 'femi.adeyemi@example.com' },
      },
    });
    await writeBack(deps, await load(), 'resolution', {
      reply: 'Your VPN is stable again.',
      state: 'resolved',
      resolution: { notes: 'Tunnel keepalive fixed' },
    });

    expect(server.sequence('servicenow')).toEqual([
      '200 GET /api/now/table/sys_user_group',
      `200 PATCH /api/now/table/incident/${SYS_ID}`,
      '200 GET /api/now/table/sys_user',
      `200 PATCH /api/now/table/incident/${SYS_ID}`,
      `200 PATCH /api/now/table/incident/${SYS_ID}`,
    ]);
    const patches = server.callsOf('servicenow', { writesOnly: true }).map((c) => c.body as Record<string, string>);
    expect(patches[0]).toEqual({
      work_notes: expect.stringMatching(
        /^Lumos triage: P2 network\n\n\[lumos-writeback\] ref:lumos-[0-9a-f]{24}\.note$/,
      ),
      state: '2',
      assignment_group: '287ebd7da9fe198100f92cc8d1d2154e',
    });
    expect(patches[1]).toEqual({
      work_notes: expect.stringContaining('Handoff packet'),
      impact: '1',
      urgency: '1',
      priority: '1',
      assignment_group: '287ebd7da9fe198100f92cc8d1d2154e',
      assigned_to: '46d44a23a9fe19810012d100cca80666',
    });
    expect(patches[2]).toEqual({
      comments: expect.stringContaining('Your VPN is stable again.'),
      state: '6',
      close_code: 'Solution provided',
      close_notes: 'Tunnel keepalive fixed',
    });
    expect(server.callsOf('servicenow').every((c) => c.authorization === DEFAULT_BASIC)).toBe(true);
    const record = server.servicenow.incidents.get(SYS_ID)!;
    expect(record).toMatchObject({ state: '6', assigned_to: '46d44a23a9fe19810012d100cca80666' });
    expect(server.journalOf(SYS_ID).map((j) => j.element)).toEqual(['work_notes', 'work_notes', 'comments']);
  });

  it('sends the PATCH once when the step runs again after a write that landed', async () => {
    const deps = { store, itsm: contractItsm(server), clock };
    const incident = (await store.get('inc-test-servicenow'))!;
    await writeBack(deps, incident, 'first-response', { workNote: 'first response', state: 'in_progress' });
    // The step is retried with the incident as it was loaded before the write was recorded.
    const again = await writeBack(deps, incident, 'first-response', {
      workNote: 'first response',
      state: 'in_progress',
    });
    expect(again.duplicate).toBe(true);
    expect(server.sequence('servicenow', { writesOnly: true })).toHaveLength(1);
    expect(server.journalOf(SYS_ID)).toHaveLength(1);
  });
});
