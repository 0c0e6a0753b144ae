import { zendeskEventParser, zendeskWebhookParser } from '../../../../lambdas/intake/sources/zendesk';
import { BadRequestError } from '../../../../lambdas/shared/errors';
import { fixture, onlySignal, parseContext, sampleText } from '../support';

const webhook = (body: unknown) => zendeskWebhookParser.parse(body, parseContext());
const event = (body: unknown) => zendeskEventParser.parse(body, parseContext());

describe('the Zendesk parsers', () => {
  it('opens a ticket from the Tickets API shape with urgent mapped to P1 and a link to the agent view', () => {
    const signal = onlySignal(webhook(fixture('zendesk/ticket-created.json')));
    expect(signal).toMatchObject({
      source: 'zendesk',
      kind: 'ticket',
      action: 'create',
      fingerprint: 'zendesk:81231',
      externalId: '81231',
      externalUrl: 'https://acme.zendesk.com/agent/tickets/81231',
      title: 'Cannot log in to the customer portal',
      severity: { priority: 'P1', label: 'urgent' },
      occurredAt: '2026-11-20T09:47:12.000Z',
    });
  });

  it('resolves a solved ticket and keeps the latest comment', () => {
    const signal = onlySignal(webhook(fixture('zendesk/ticket-solved.json')));
    expect(signal.action).toBe('resolve');
    expect(signal.changeNote).toContain('SSO cache');
  });

  it('titles a ticket without a subject from its description and accepts string ids', () => {
    const signal = onlySignal(webhook(fixture('zendesk/ticket-minimal.json')));
    expect(signal.title).toBe('Drucker im 2. OG druckt nur noch leere Seiten');
    expect(signal.externalUrl).toBeUndefined();
  });

  it('reads event subscriptions: created opens, a status change to SOLVED resolves, a priority change updates', () => {
    const created = onlySignal(webhook(fixture('zendesk/event-ticket-created.json')));
    const solved = onlySignal(webhook(fixture('zendesk/event-status-changed-solved.json')));
    const lowered = onlySignal(webhook(fixture('zendesk/event-priority-changed.json')));
    expect([created.action, solved.action, lowered.action]).toEqual(['create', 'resolve', 'update']);
    expect(lowered.severity.priority).toBe('P4');
    expect(new Set([created.fingerprint, solved.fingerprint, lowered.fingerprint])).toEqual(new Set(['zendesk:81231']));
    expect(created.deliveryId).toBe('zendesk:event:0d1b8a1c-2f0f-4c0e-8d0e-6a8f2f9a0b11');
  });

  it('carries the comment author and body of comment events for loop prevention', () => {
    const signal = onlySignal(webhook(fixture('zendesk/event-comment-added-writeback.json')));
    expect(signal.action).toBe('update');
    expect(signal.changedBy).toContain('9100001');
    expect(signal.changeNote).toContain('[lumos-writeback]');
  });

  it('ignores non-ticket event subscriptions', () => {
    expect(webhook(fixture('zendesk/event-user-created.json'))).toEqual({
      ignored: expect.stringContaining('user.created'),
    });
  });

  it('reads EventBridge partner events: Ticket Created opens, Status Changed to solved resolves', () => {
    const created = onlySignal(event(fixture('zendesk/eventbridge-ticket-created.json')));
    const solved = onlySignal(event(fixture('zendesk/eventbridge-status-changed.json')));
    expect(created).toMatchObject({ action: 'create', fingerprint: 'zendesk:81231', severity: { priority: 'P2' } });
    expect(created.title).toBe('Zendesk ticket #81231');
    expect(created.occurredAt).toBe('2026-11-20T09:47:12.512Z');
    expect(solved.action).toBe('resolve');
  });

  it('accepts the shared real sample', () => {
    const signal = onlySignal(webhook(JSON.parse(sampleText('zendesk/zendesk-docs_create-ticket_response.json'))));
    expect(signal).toMatchObject({ externalId: '35436', title: 'Help, my printer is on fire!', action: 'update' });
    expect(signal.externalUrl).toBe('https://company.zendesk.com/agent/tickets/35436');
  });

  it('rejects a body that is neither shape with a 400', () => {
    expect(() => webhook({ hello: 'world' })).toThrow(BadRequestError);
    expect(() => webhook({ ticket: { subject: 'no id' } })).toThrow(/ticket.id/);
  });

  it('says a pending ticket waits on the customer (the requester), and open or on-hold ones do not', () => {
    const { ticket } = fixture('zendesk/ticket-created.json');
    const updated = (status: string | undefined) =>
      onlySignal(webhook({ ticket: { ...ticket, status, updated_at: '2026-11-20T10:05:00Z' } })).waitingOn;
    expect([updated('pending'), updated('open'), updated('hold'), updated(undefined)]).toEqual([
      'customer',
      'none',
      'none',
      undefined,
    ]);
    const changed = fixture('zendesk/event-status-changed-solved.json');
    const toPending = {
      ...changed,
      event: { ...changed.event, current: 'PENDING' },
      detail: { ...changed.detail, status: 'OPEN' },
    };
    expect(onlySignal(webhook(toPending))).toMatchObject({ action: 'update', waitingOn: 'customer' });
    const partner = fixture('zendesk/eventbridge-status-changed.json');
    partner.detail.ticket_event.current = 'pending';
    partner.detail.ticket_event.ticket.status = 'pending';
    expect(onlySignal(event(partner))).toMatchObject({ action: 'update', waitingOn: 'customer' });
  });
});
