import type { Incident } from '../../../lambdas/core/incident';
import { type AlarmTicketRule, ensureAlarmTicket, ruleFor } from '../../../lambdas/itsm/alarm-ticket';
import { writeBack } from '../../../lambdas/itsm/write-back';
import { type ItsmContractServer, startItsmContractServer } from '../../support/itsm-contract-server';
import { MemoryIncidentStore } from '../../support/memory-incident-store';
import { contractItsm, incidentFrom } from './fixtures';

const clock = { now: () => new Date() };
const rule = (itsm: AlarmTicketRule['itsm'], extra: Partial<AlarmTicketRule> = {}): AlarmTicketRule => ({
  itsm,
  services: [],
  domains: [],
  ...extra,
});

function alarm(incidentId: string): Incident {
  return {
    ...incidentFrom('alertmanager', { externalId: 'CheckoutErrors', incidentId }),
    kind: 'alert',
    title: 'checkout-api 5xx above 20%',
    service: 'checkout-api',
  };
}

describe('alarms get tickets', () => {
  let server: ItsmContractServer;
  let store: MemoryIncidentStore;
  beforeEach(async () => {
    server = await startItsmContractServer();
    store = new MemoryIncidentStore();
  });
  afterEach(() => server.close());

  const deps = (rules: AlarmTicketRule[], sleep = async () => undefined) => ({
    store,
    itsm: contractItsm(server),
    clock,
    rules,
    leaseSeconds: 0,
    sleep,
  });

  it('picks the first routing rule whose services or domains fit, an empty list matching any', () => {
    const rules = [
      rule('jira', { services: ['search-api'], project: 'OPS' }),
      rule('zendesk', { domains: ['end-user'] }),
      rule('servicenow'),
    ];
    expect(ruleFor(rules, 'search-api', 'commerce')?.itsm).toBe('jira');
    expect(ruleFor(rules, 'device-fleet', 'end-user')?.itsm).toBe('zendesk');
    expect(ruleFor(rules, 'checkout-api', 'payments')?.itsm).toBe('servicenow');
    expect(ruleFor([], 'checkout-api', 'payments')).toBeUndefined();
  });

  it('opens a ServiceNow incident for an alarm, records it, and the write-back then writes to it', async () => {
    const incident = alarm('inc-alarm-1');
    await store.create(incident);
    const ticket = await ensureAlarmTicket(deps([rule('servicenow')]), incident);
    expect(ticket).toMatchObject({ source: 'servicenow', displayId: expect.stringMatching(/^INC\d{7}$/) });
    const stored = (await store.get('inc-alarm-1'))!;
    expect(stored.agents.itsm).toMatchObject({ ticket: { source: 'servicenow', externalId: ticket!.displayId } });
    const created = server.servicenow.incidents.get(ticket!.id)!;
    expect(created).toMatchObject({ short_description: 'checkout-api 5xx above 20%', correlation_display: 'Lumos' });

    const { record } = await writeBack({ store, itsm: contractItsm(server), clock }, stored, 'first-response', {
      workNote: 'Lumos is on it',
    });
    expect(record).toMatchObject({ status: 'written', ticket: { source: 'servicenow', id: ticket!.id } });
    expect(server.journalOf(ticket!.id).map((j) => j.element)).toEqual(['work_notes']);
    // The write kept the ticket under agents.itsm next to the writes.
    expect((await store.get('inc-alarm-1'))!.agents.itsm).toMatchObject({ ticket: { id: ticket!.id }, writes: {} });
  });

  it('opens one ticket per incident even when the create answer was lost and the step retried', async () => {
    const incident = alarm('inc-alarm-2');
    await store.create(incident);
    server.failNext({ vendor: 'servicenow', method: 'POST', path: '/table/incident', status: 502, applyFirst: true });
    await expect(ensureAlarmTicket(deps([rule('servicenow')]), incident)).rejects.toThrow();
    expect(server.servicenow.incidents.size).toBe(1);
    const retried = await ensureAlarmTicket(deps([rule('servicenow')]), (await store.get('inc-alarm-2'))!);
    expect(server.servicenow.incidents.size).toBe(1);
    expect(retried?.id).toBe([...server.servicenow.incidents.keys()][0]);
    // Once recorded, later steps reuse it without a call.
    const calls = server.calls.length;
    expect(await ensureAlarmTicket(deps([rule('servicenow')]), (await store.get('inc-alarm-2'))!)).toEqual(retried);
    expect(server.calls.length).toBe(calls);
  });

  it('opens a Jira issue in the rule project with an ADF description, and a Zendesk ticket with a private note', async () => {
    const jira = alarm('inc-alarm-3');
    const zendesk = alarm('inc-alarm-4');
    await store.create(jira);
    await store.create(zendesk);
    const issue = await ensureAlarmTicket(deps([rule('jira', { project: 'OPS', issueType: 'Incident' })]), jira);
    expect(issue).toMatchObject({ source: 'jira', displayId: expect.stringMatching(/^OPS-\d+$/) });
    const ticket = await ensureAlarmTicket(deps([rule('zendesk')]), zendesk);
    expect(ticket).toMatchObject({ source: 'zendesk' });
    const created = server.zendesk.tickets.get(Number(ticket!.id))!;
    expect(created.comments[0]).toMatchObject({ public: false });
    expect(created.external_id).toMatch(/^lumos-/);
    // The Jira retry path finds the issue by its label instead of opening another.
    const again = await ensureAlarmTicket(deps([rule('jira', { project: 'OPS' })]), {
      ...jira,
      agents: {},
    });
    expect(again?.id).toBe(issue!.id);
  });

  it('opens nothing for a ticket-born incident, or when no rule names a tool', async () => {
    const ticketBorn = incidentFrom('servicenow', { externalId: 'INC1', sysId: 'abc', incidentId: 'inc-t' });
    await store.create(ticketBorn);
    expect(await ensureAlarmTicket(deps([rule('jira', { project: 'OPS' })]), ticketBorn)).toMatchObject({
      source: 'servicenow',
      id: 'abc',
    });
    const incident = alarm('inc-alarm-5');
    await store.create(incident);
    expect(await ensureAlarmTicket(deps([rule('servicenow', { services: ['other'] })]), incident)).toBeUndefined();
    expect(server.calls).toHaveLength(0);
  });
});
