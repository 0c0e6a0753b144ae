import * as z from 'zod';
import { clock } from '../../runtime/ports/clock';
import { incidentStore } from '../../runtime/ports/incident-store';
import { notifier } from '../../runtime/ports/notifier';
import { workflowStep } from '../../runtime/workflow-step';

const Input = z.object({
  incidentId: z.string(),
  error: z.looseObject({ Error: z.string().optional(), Cause: z.string().optional() }).optional(),
});

/** The Cause of a Lambda error is its JSON-serialized error; show the message, not the stack. */
function describe(error: { Error?: string; Cause?: string } | undefined): string {
  if (!error) return 'unknown failure';
  try {
    const cause = JSON.parse(error.Cause ?? '') as { errorMessage?: string };
    return `${error.Error ?? 'Error'}: ${cause.errorMessage ?? error.Cause}`;
  } catch {
    return `${error.Error ?? 'Error'}: ${error.Cause ?? ''}`.trim();
  }
}

/** Workflow step `FlagForHuman`: an agent failed for good; the incident goes to a person with the reason. */
export const handler = workflowStep(Input, async ({ incidentId, error }): Promise<{ status: 'needs_human' }> => {
  const reason = describe(error);
  await incidentStore().update(incidentId, {
    set: { status: 'needs_human' },
    append: [
      {
        at: clock().now().toISOString(),
        actor: 'system',
        type: 'incident.flagged',
        summary: `Needs a person: ${reason}`,
      },
    ],
  });
  await notifier().send({
    channel: 'slack',
    recipient: process.env.SERVICE_DESK_CHANNEL ?? 'service-desk',
    text: `Incident ${incidentId} needs a person: ${reason}`,
    incidentId,
  });
  return { status: 'needs_human' };
});
