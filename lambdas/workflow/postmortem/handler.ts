import { writeBack } from '../../itsm/write-back';
import { auditTrail } from '../../runtime/ports/audit-trail';
import { clock as clockPort } from '../../runtime/ports/clock';
import { incidentStore } from '../../runtime/ports/incident-store';
import { itsm } from '../../runtime/ports/itsm';
import { workflowStep } from '../../runtime/workflow-step';
import { StepInput } from '../step-input';
import { writePostmortem } from './core';

/** Workflow step `Postmortem`: a closed incident's postmortem draft on its ticket. */
export const handler = workflowStep(StepInput, ({ incidentId }): Promise<{ status: string; draftArticle?: string }> => {
  const store = incidentStore();
  const clock = clockPort();
  return writePostmortem(
    {
      store,
      clock,
      writeBack: (incident, purpose, update) =>
        writeBack({ store, itsm: itsm(), clock, audit: auditTrail() }, incident, purpose, update),
    },
    incidentId,
  );
});
