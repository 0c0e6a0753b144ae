import middy from '@middy/core';
import { alarmTicketOpener } from '../../itsm/alarm-ticket-opener';
import { writeBack } from '../../itsm/write-back';
import '../../runtime/aws/governance-audit';
import '../../runtime/aws/itsm';
import '../../runtime/aws/store';
import { dependency } from '../../runtime/dependencies';
import { logger } from '../../shared/observability';
import { loadIncident, parseStepInput, StepInput } from '../step-input';
import { deliveredAtOf, firstResponseUpdate } from './core';

/**
 * Workflow step `FirstResponse`: within seconds of intake the ticket gets a work note with the triage result, the
 * top knowledge and next steps, and is assigned to the routed team. The time from delivery to the note is kept
 * per incident (`agents.firstResponse.latencyMs`). Exactly once per incident, however often the step runs.
 */
export const handler = middy<unknown, { status: string; latencyMs: number }>().handler(async (payload) => {
  const { incidentId } = parseStepInput(StepInput, payload);
  const store = dependency('store');
  const clock = dependency('clock');
  const incident = await loadIncident(store, incidentId);
  const { record, duplicate } = await writeBack(
    {
      store,
      itsm: dependency('itsm'),
      clock,
      audit: dependency('audit'),
      openTicket: alarmTicketOpener({ store, itsm: dependency('itsm'), clock, audit: dependency('audit') }),
    },
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
  logger.info('first response', { incidentId, latencyMs, status: record.status });
  return { status: record.status, latencyMs };
});
