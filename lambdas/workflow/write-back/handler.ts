import middy from '@middy/core';
import { alarmTicketOpener } from '../../itsm/alarm-ticket-opener';
import { writeBack } from '../../itsm/write-back';
import { isClosed } from '../../ports/incident-store';
import '../../runtime/aws/governance-audit';
import '../../runtime/aws/itsm';
import '../../runtime/aws/store';
import { dependency } from '../../runtime/dependencies';
import { loadIncident, parseStepInput, StepInput } from '../step-input';
import { finalWrite } from './core';

/**
 * Workflow step `WriteBack`: writes the workflow's outcome to the ticket exactly once (the handoff packet, a
 * fulfilled request's reply and resolution, a verified recovery's resolution note, or a progress note). A fulfilled
 * request or a verified recovery also resolves the incident.
 */
export const handler = middy<unknown, { purpose: string; status: string }>().handler(async (payload) => {
  const { incidentId } = parseStepInput(StepInput, payload);
  const store = dependency('store');
  const clock = dependency('clock');
  const incident = await loadIncident(store, incidentId);
  const { purpose, update, resolves } = finalWrite(incident);
  const { record } = await writeBack(
    {
      store,
      itsm: dependency('itsm'),
      clock,
      audit: dependency('audit'),
      openTicket: alarmTicketOpener({ store, itsm: dependency('itsm'), clock, audit: dependency('audit') }),
    },
    incident,
    purpose,
    update,
  );
  if (resolves && !isClosed(incident.status)) {
    await store.update(incidentId, {
      set: { status: 'resolved' },
      append: [
        {
          at: clock.now().toISOString(),
          actor: purpose === 'fulfilment' ? 'fulfilment' : 'verifier',
          type: 'incident.resolved',
          summary: `${purpose === 'fulfilment' ? 'Request fulfilled by Lumos' : 'Recovery verified by Lumos'}${record.ticket ? `; ${record.ticket.source} ${record.ticket.displayId} resolved` : ''}`,
        },
      ],
    });
  }
  return { purpose, status: record.status };
});
