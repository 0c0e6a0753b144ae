import { alarmTicketOpener } from '../../itsm/alarm-ticket-opener';
import { writeBack } from '../../itsm/write-back';
import { isClosed } from '../../ports/incident-store';
import { auditTrail } from '../../runtime/ports/audit-trail';
import { clock as clockPort } from '../../runtime/ports/clock';
import { incidentStore } from '../../runtime/ports/incident-store';
import { itsm as itsmPort } from '../../runtime/ports/itsm';
import { workflowStep } from '../../runtime/workflow-step';
import { loadIncident, StepInput } from '../step-input';
import { finalWrite, relatedTickets, writeRelatedTickets } from './core';

/**
 * Workflow step `WriteBack`: writes the workflow's outcome to the ticket exactly once (the handoff packet, a
 * fulfilled request's reply and resolution, a verified recovery's resolution note, or a progress note). A fulfilled
 * request or a verified recovery also resolves the incident.
 */
export const handler = workflowStep(StepInput, async ({ incidentId }): Promise<{ purpose: string; status: string }> => {
  const store = incidentStore();
  const clock = clockPort();
  const ports = { store, itsm: itsmPort(), clock, audit: auditTrail() };
  const incident = await loadIncident(store, incidentId);
  const final = finalWrite(incident);
  const { purpose, update, resolves } = final;
  const { record } = await writeBack({ ...ports, openTicket: alarmTicketOpener(ports) }, incident, purpose, update);
  // The reports that joined the incident hear the same outcome on their own tickets, each write once.
  const related = relatedTickets(incident, await store.listSignals(incidentId));
  if (related.length > 0) await writeRelatedTickets(ports, incident, final, record.ticket, related);
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
