import { alarmTicketOpener } from '../../itsm/alarm-ticket-opener';
import { writeBack } from '../../itsm/write-back';
import { auditTrail } from '../../runtime/ports/audit-trail';
import { clock as clockPort } from '../../runtime/ports/clock';
import { incidentStore } from '../../runtime/ports/incident-store';
import { itsm as itsmPort } from '../../runtime/ports/itsm';
import { workflowStep } from '../../runtime/workflow-step';
import { logger } from '../../shared/observability';
import { loadIncident, StepInput } from '../step-input';
import { deliveredAtOf, firstResponseUpdate } from './core';

/**
 * Workflow step `FirstResponse`: within seconds of intake the ticket gets a work note with the triage result, the
 * top knowledge and next steps, and is assigned to the routed team. The time from delivery to the note is kept
 * per incident (`agents.firstResponse.latencyMs`). Exactly once per incident, however often the step runs.
 */
export const handler = workflowStep(
  StepInput,
  async ({ incidentId }): Promise<{ status: string; latencyMs: number }> => {
    const store = incidentStore();
    const clock = clockPort();
    const ports = { store, itsm: itsmPort(), clock, audit: auditTrail() };
    const incident = await loadIncident(store, incidentId);
    const { record, duplicate } = await writeBack(
      { ...ports, openTicket: alarmTicketOpener(ports) },
      incident,
      'first-response',
      firstResponseUpdate(incident),
    );
    const deliveredAt = deliveredAtOf(incident);
    const latencyMs = Math.max(0, Date.parse(record.at) - Date.parse(deliveredAt));
    if (!duplicate || !incident.agents.firstResponse) {
      const where = record.ticket ? `${record.ticket.source} ${record.ticket.displayId}` : 'the incident';
      await store.update(incidentId, {
        agents: {
          firstResponse: {
            status: record.status,
            deliveredAt,
            notedAt: record.at,
            latencyMs,
            ticket: record.ticket ?? null,
          },
        },
        append: [
          {
            at: clock.now().toISOString(),
            actor: 'itsm',
            type: 'first_response.recorded',
            summary: `First response on ${where} ${(latencyMs / 1000).toFixed(1)} s after delivery (${record.status})`,
            data: { latencyMs, status: record.status },
          },
        ],
      });
    }
    logger.info('first response', { latencyMs, status: record.status });
    return { status: record.status, latencyMs };
  },
);
