import { groupOf } from '../../../lambdas/agents/escalation-routing/core';
import type { Incident, Signal } from '../../../lambdas/core/incident';
import { syncFromTicket } from '../../../lambdas/itsm/two-way-sync';
import { idempotencyKeyOf } from '../../../lambdas/itsm/write-back';
import { incidentFrom } from './fixtures';

const NOW = new Date('2026-11-20T10:10:00Z');

function tracked(): Incident {
  const base = incidentFrom('servicenow', { externalId: 'INC0010042', sysId: 'a'.repeat(32) });
  return {
    ...base,
    labels: { assignmentGroup: 'Network Operations' },
    agents: {
      itsm: {
        writes: {
          'first-response': {
            purpose: 'first-response',
            idempotencyKey: idempotencyKeyOf(base.incidentId, 'first-response'),
            status: 'written',
            at: '2026-11-20T10:08:00Z',
            set: { state: 'in_progress', group: 'Database Administration', priority: 'P1' },
          },
        },
      },
    },
  };
}

const update = (changes: Partial<Signal>): Signal =>
  ({
    source: 'servicenow',
    kind: 'ticket',
    action: 'update',
    deliveryId: 'd',
    fingerprint: `servicenow:${'a'.repeat(32)}`,
    externalId: 'INC0010042',
    title: 't',
    description: '',
    severity: { priority: 'P2' },
    occurredAt: NOW.toISOString(),
    labels: { assignmentGroup: 'Network Operations' },
    ...changes,
  }) as Signal;

describe('two-way sync', () => {
  it("records a person's reassignment in the ITSM tool, which routing then counts", () => {
    const incident = tracked();
    const sync = syncFromTicket(
      incident,
      update({ labels: { assignmentGroup: 'Platform Engineering' }, changedBy: ['femi.adeyemi'] }),
      NOW,
    );
    expect(sync.echo).toBe(false);
    expect(sync.changes.agents).toEqual({
      assignment: {
        group: 'Platform Engineering',
        byPerson: true,
        by: 'femi.adeyemi',
        at: NOW.toISOString(),
        source: 'servicenow',
      },
    });
    expect(sync.changes.append?.[0]).toMatchObject({
      actor: 'human:femi.adeyemi',
      type: 'itsm.reassigned',
      summary: 'femi.adeyemi assigned INC0010042 to Platform Engineering in servicenow (was Network Operations)',
    });
    expect(groupOf({ ...incident, agents: { ...incident.agents, ...sync.changes.agents } })).toBe(
      'Platform Engineering',
    );
  });

  it('recognises the echo of what Lumos wrote moments ago, even without its user or marker', () => {
    const sync = syncFromTicket(
      tracked(),
      update({ labels: { assignmentGroup: 'Database Administration' }, severity: { priority: 'P1' } }),
      NOW,
    );
    expect(sync).toMatchObject({ echo: true, reason: expect.stringContaining('repeats what Lumos wrote 120 s ago') });
    const later = syncFromTicket(
      tracked(),
      update({ labels: { assignmentGroup: 'Database Administration' } }),
      new Date('2026-11-20T11:00:00Z'),
    );
    expect(later.echo).toBe(false);
  });

  it("recognises a comment carrying one of Lumos' note references as its own", () => {
    const note = `## Lumos first response\n...\n\n[lumos-writeback] ref:${idempotencyKeyOf('x', 'first-response')}.note`;
    expect(syncFromTicket(tracked(), update({ changeNote: note }), NOW).echo).toBe(true);
  });

  it('changes nothing for an update that changes nothing tracked', () => {
    expect(syncFromTicket(tracked(), update({}), NOW)).toEqual({ echo: false, changes: {} });
  });
});
