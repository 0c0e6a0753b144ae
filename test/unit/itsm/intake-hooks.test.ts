import { handleDelivery } from '../../../lambdas/intake/intake-request';
import { webhookParserFor } from '../../../lambdas/intake/sources';
import { idempotencyKeyOf } from '../../../lambdas/itsm/write-back';
import { harness, headerLookup, NOW, nativeAuth } from '../intake/support';

const SECRET = 'hook-secret';

function zendeskTicket(id: number, subject: string, description: string, extra: Record<string, unknown> = {}) {
  return JSON.stringify({
    ticket: {
      id,
      subject,
      description,
      status: 'new',
      priority: 'normal',
      created_at: NOW.toISOString(),
      updated_at: NOW.toISOString(),
      requester_id: 42,
      ...extra,
    },
  });
}

function snow(changes: Record<string, unknown>) {
  return JSON.stringify({
    sys_id: 'b'.repeat(32),
    number: 'INC0020001',
    short_description: 'Shared drive is read-only',
    impact: '2',
    urgency: '2',
    state: '1',
    assignment_group: 'Service Desk',
    sys_mod_count: '0',
    sys_updated_on: '2026-11-20 09:00:00',
    sys_updated_by: 'ana.lima',
    ...changes,
  });
}

async function post(h: ReturnType<typeof harness>, route: 'zendesk' | 'servicenow', body: string) {
  const parser = webhookParserFor(route)!;
  return handleDelivery(
    h.deps,
    parser,
    route,
    { body, header: headerLookup(nativeAuth(parser.source, body, SECRET, h.clock.now())) },
    SECRET,
  );
}

describe('intake hooks of the ITSM work', () => {
  it('drops an out-of-office ticket with its reason, archives it with that reason, and opens nothing', async () => {
    const h = harness();
    const answer = await post(
      h,
      'zendesk',
      zendeskTicket(9001, 'Automatic reply: Your request', "I'm out of the office until Monday."),
    );
    expect(answer).toEqual({
      incidentId: null,
      status: 'ignored',
      reason: expect.stringMatching(/^dropped by the inbound filter as out-of-office: /),
    });
    expect(h.workflow.started).toHaveLength(0);
    expect(await h.store.list()).toHaveLength(0);
    const archived = [...h.archive.objects.values()];
    expect(archived).toHaveLength(1);
    expect(archived[0]!.metadata.dropped).toMatch(/^dropped by the inbound filter as out-of-office/);
  });

  it('keeps a real request next to the filter', async () => {
    const h = harness();
    const answer = await post(
      h,
      'zendesk',
      zendeskTicket(9002, 'Cannot print to the 3rd floor printer', 'Jobs stay in the queue since this morning.'),
    );
    expect(answer.status).toBe('created');
  });

  it("flows a person's reassignment back and ignores the echo of a Lumos write", async () => {
    const h = harness();
    const created = await post(h, 'servicenow', snow({}));
    const incidentId = created.incidentId!;
    // Lumos wrote its first response (assigning Network Operations) a moment ago.
    await h.store.update(incidentId, {
      agents: {
        itsm: {
          writes: {
            'first-response': {
              purpose: 'first-response',
              idempotencyKey: idempotencyKeyOf(incidentId, 'first-response'),
              status: 'written',
              at: h.clock.now().toISOString(),
              set: { group: 'Network Operations', state: 'in_progress' },
            },
          },
        },
      },
    });
    // The tool reports that change back without naming the integration user or carrying the marker.
    const echo = await post(
      h,
      'servicenow',
      snow({ assignment_group: 'Network Operations', state: '2', sys_mod_count: '1', sys_updated_by: 'system' }),
    );
    expect(echo).toMatchObject({ status: 'ignored', reason: expect.stringContaining('its own write-back') });

    const moved = await post(
      h,
      'servicenow',
      snow({
        assignment_group: 'Platform Engineering',
        state: '2',
        sys_mod_count: '2',
        sys_updated_by: 'femi.adeyemi',
      }),
    );
    expect(moved.status).toBe('updated');
    const incident = (await h.store.get(incidentId))!;
    expect(incident.agents.assignment).toMatchObject({
      group: 'Platform Engineering',
      byPerson: true,
      by: 'femi.adeyemi',
    });
    expect(incident.timeline.map((e) => e.type)).toContain('itsm.reassigned');
  });
});
