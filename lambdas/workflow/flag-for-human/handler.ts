import middy from '@middy/core';
import { z } from 'zod';
import '../../runtime/aws/notifier';
import '../../runtime/aws/store';
import { dependency } from '../../runtime/dependencies';
import { parseStepInput } from '../step-input';

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
export const handler = middy<unknown, { status: 'needs_human' }>().handler(async (payload) => {
  const { incidentId, error } = parseStepInput(Input, payload);
  const reason = describe(error);
  await dependency('store').update(incidentId, {
    set: { status: 'needs_human' },
    append: [
      {
        at: dependency('clock').now().toISOString(),
        actor: 'system',
        type: 'incident.flagged',
        summary: `Needs a person: ${reason}`,
      },
    ],
  });
  await dependency('notifier').send({
    channel: 'slack',
    recipient: process.env.SERVICE_DESK_CHANNEL ?? 'service-desk',
    text: `Incident ${incidentId} needs a person: ${reason}`,
    incidentId,
  });
  return { status: 'needs_human' };
});
