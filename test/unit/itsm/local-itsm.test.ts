import { LocalItsm, recordedIn } from '../../../lambdas/itsm/local-itsm';
import { writeBack } from '../../../lambdas/itsm/write-back';
import type { Notification } from '../../../lambdas/ports/notifier';
import { startItsmContractServer } from '../../support/itsm-contract-server';
import { MemoryIncidentStore } from '../../support/memory-incident-store';
import { incidentFrom } from './fixtures';

const clock = { now: () => new Date() };

function outbox() {
  const sent: Notification[] = [];
  return {
    sent,
    notifier: {
      send: async (n: Notification) => {
        sent.push(n);
        return { notificationId: String(sent.length) };
      },
    },
  };
}

describe('the local itsm port', () => {
  it('records every write in the outbox on the itsm channel, exactly as it would be written', async () => {
    const { sent, notifier } = outbox();
    const itsm = new LocalItsm(
      notifier,
      recordedIn(() => sent as never),
      {},
    );
    const store = new MemoryIncidentStore();
    const incident = incidentFrom('jira', { externalId: 'OPS-15' });
    await store.create(incident);
    await writeBack({ store, itsm, clock }, incident, 'first-response', {
      workNote: 'Lumos first response',
      state: 'in_progress',
      assignment: { group: 'Network Operations' },
    });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      channel: 'itsm',
      recipient: 'jira:OPS-15',
      subject: 'jira OPS-15: note, state, assignment group',
      text: expect.stringMatching(
        /^Work note \(internal\):\nLumos first response\n\n\[lumos-writeback\] ref:lumos-[0-9a-f]{24}\.note\n\nFields: state -> in_progress; assignment group -> Network Operations$/,
      ),
      data: expect.objectContaining({ delivered: 'recorded-only', notes: ['note'] }),
    });
  });

  it('does not record a retried write twice', async () => {
    const { sent, notifier } = outbox();
    const itsm = new LocalItsm(
      notifier,
      recordedIn(() => sent as never),
      {},
    );
    const connector = (await itsm.connector('zendesk'))!;
    const write = {
      ticket: { source: 'zendesk' as const, id: '1', displayId: '1' },
      update: { workNote: 'x' },
      idempotencyKey: 'lumos-k',
    };
    await connector.apply(write, { reconcile: false });
    const again = await connector.apply(write, { reconcile: true });
    expect(sent).toHaveLength(1);
    expect(again.alreadyPosted).toEqual(['note']);
  });

  it('sends writes to LUMOS_ITSM_<SOURCE>_URL through the real connector, and records them too', async () => {
    const server = await startItsmContractServer();
    try {
      server.seedZendeskTicket({ id: 7 });
      const { sent, notifier } = outbox();
      const itsm = new LocalItsm(
        notifier,
        recordedIn(() => sent as never),
        { LUMOS_ITSM_ZENDESK_URL: server.url },
      );
      const connector = (await itsm.connector('zendesk'))!;
      await connector.apply(
        {
          ticket: { source: 'zendesk', id: '7', displayId: '7' },
          update: { reply: 'hello' },
          idempotencyKey: 'lumos-k',
        },
        { reconcile: false },
      );
      expect(server.sequence('zendesk')).toEqual(['200 PUT /api/v2/tickets/7']);
      expect(sent[0]?.data).toMatchObject({
        delivered: 'vendor-api',
        calls: [expect.objectContaining({ method: 'PUT', status: 200 })],
      });
      expect(await itsm.connector('pagerduty')).toBeUndefined();
    } finally {
      await server.close();
    }
  });
});
