import type { Incident } from '../../../lambdas/core/incident';
import { writeBack } from '../../../lambdas/itsm/write-back';
import type { SignalMember } from '../../../lambdas/ports/incident-store';
import {
  type FinalWrite,
  relatedTickets,
  relatedUpdate,
  writeRelatedTickets,
} from '../../../lambdas/workflow/write-back/core';
import { type ItsmContractServer, startItsmContractServer } from '../../support/itsm-contract-server';
import { MemoryIncidentStore } from '../../support/memory-incident-store';
import { contractItsm, incidentFrom } from './fixtures';

const clock = { now: () => new Date() };
const SYS_ID = '9d385017c611228701d22104cc95c371';
const member = (source: SignalMember['source'], externalId: string, fingerprint: string): SignalMember => ({
  source,
  externalId,
  fingerprint,
  title: 'report',
  deliveryId: `d-${externalId}`,
  state: 'firing',
  firstSeenAt: '2026-11-20T10:00:00Z',
  lastSeenAt: '2026-11-20T10:00:00Z',
});

describe("an incident's other tickets", () => {
  const incident: Incident = {
    ...incidentFrom('servicenow', { externalId: 'INC0010042', sysId: SYS_ID, incidentId: 'inc-main' }),
    timeline: [
      {
        at: '2026-11-20T10:09:00Z',
        actor: 'intake',
        type: 'ticket.linked',
        summary: 'Linked zendesk 35436 (reported after recovery)',
        data: { source: 'zendesk', externalId: '35436', fingerprint: 'zendesk:35436' },
      },
    ],
  };

  it('are the ITSM reports that joined it or were linked after it ended, never its own ticket or an alarm', () => {
    const members = [
      member('servicenow', 'INC0010042', `servicenow:${SYS_ID}`),
      member('alertmanager', 'HighErrorRate', 'alertmanager:abc'),
      member('jira', 'OPS-15', 'jira:OPS-15'),
      member('jira', 'OPS-15', 'jira:OPS-15'),
    ];
    expect(relatedTickets(incident, members).map((t) => [t.ref.source, t.ref.displayId, t.fingerprint])).toEqual([
      ['jira', 'OPS-15', 'jira:OPS-15'],
      ['zendesk', '35436', 'zendesk:35436'],
    ]);
  });

  it('get the outcome with where the incident is handled; the resolution and a reply, never the assignment', () => {
    const main = { source: 'servicenow', displayId: 'INC0010042' };
    const resolved: FinalWrite = {
      purpose: 'resolution',
      update: { workNote: '## Resolved by Lumos', state: 'resolved', resolution: { notes: '## Resolved by Lumos' } },
      resolves: true,
    };
    const update = relatedUpdate(incident, resolved, main);
    expect(update.workNote).toBe(
      'This report is part of Lumos incident inc-main, handled in servicenow INC0010042.\n\n## Resolved by Lumos',
    );
    expect(update).toMatchObject({ state: 'resolved', resolution: { notes: update.workNote } });
    expect(update.reply).toMatch(/now resolved and verified \(INC0010042\)/);
    const handoff: FinalWrite = {
      purpose: 'handoff',
      update: { workNote: 'packet', state: 'in_progress', assignment: { group: 'Network Operations' } },
      resolves: false,
    };
    expect(relatedUpdate(incident, handoff, main)).toEqual({
      workNote: 'This report is part of Lumos incident inc-main, handled in servicenow INC0010042.\n\npacket',
    });
  });

  describe('written through the same exactly-once write', () => {
    let server: ItsmContractServer;
    afterEach(() => server.close());

    it('resolves the other ticket once however often the step runs, and leaves the own ticket to its own write', async () => {
      server = await startItsmContractServer();
      server.seedServiceNowIncident({ sys_id: SYS_ID, number: 'INC0010042' });
      server.seedJiraIssue({ id: '10400', key: 'OPS-15' });
      const store = new MemoryIncidentStore();
      await store.create(incident);
      const [jira] = relatedTickets(incident, [member('jira', 'OPS-15', 'jira:OPS-15')]);
      const update = relatedUpdate(
        incident,
        { purpose: 'resolution', update: { workNote: 'fixed', state: 'resolved' }, resolves: true },
        { source: 'servicenow', displayId: 'INC0010042' },
      );
      const deps = { store, itsm: contractItsm(server), clock };
      for (let run = 0; run < 2; run++) {
        const current = (await store.get('inc-main'))!;
        await writeBack(deps, current, `resolution:${jira!.fingerprint}`, update, jira!.ref);
      }
      const issue = server.jira.issues.get('OPS-15')!;
      expect(issue.status).toBe('Done');
      // The internal note and the reply to the reporter, once each.
      expect(issue.comments).toHaveLength(2);
      expect(server.callsOf('servicenow')).toHaveLength(0);
      const writes = ((await store.get('inc-main'))!.agents.itsm as { writes: Record<string, { ticket?: unknown }> })
        .writes;
      expect(writes['resolution:jira:OPS-15']?.ticket).toMatchObject({ source: 'jira', displayId: 'OPS-15' });
    });

    it('skips a related ticket the tool refuses for good, noting it, and still writes the others', async () => {
      server = await startItsmContractServer();
      server.seedJiraIssue({ id: '10400', key: 'OPS-15' });
      server.seedZendeskTicket({ id: 35436 });
      const store = new MemoryIncidentStore();
      await store.create(incident);
      const related = relatedTickets(incident, [
        member('jira', 'OPS-404', 'jira:OPS-404'),
        member('jira', 'OPS-15', 'jira:OPS-15'),
      ]);
      const final: FinalWrite = { purpose: 'handoff', update: { workNote: 'packet' }, resolves: false };
      const main = { source: 'servicenow', displayId: 'INC0010042' };
      const { failed } = await writeRelatedTickets(
        { store, itsm: contractItsm(server), clock },
        incident,
        final,
        main,
        related,
      );
      expect(failed).toEqual(['jira OPS-404']);
      expect(server.jira.issues.get('OPS-15')!.comments).toHaveLength(1);
      expect(server.zendesk.tickets.get(35436)!.comments).toHaveLength(1);
      const timeline = (await store.get('inc-main'))!.timeline;
      expect(timeline.some((e) => e.type === 'itsm.skipped' && e.summary.includes('OPS-404'))).toBe(true);
    });
  });
});
