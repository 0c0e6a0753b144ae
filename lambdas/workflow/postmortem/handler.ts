import middy from '@middy/core';
import '../../runtime/aws/governance-audit';
import '../../runtime/aws/itsm';
import '../../runtime/aws/store';
import { writeBack } from '../../itsm/write-back';
import { dependency } from '../../runtime/dependencies';
import { parseStepInput, StepInput } from '../step-input';
import { writePostmortem } from './core';

/** Workflow step `Postmortem`: a closed incident's postmortem draft on its ticket. */
export const handler = middy<unknown, { status: string; draftArticle?: string }>().handler(async (payload) => {
  const { incidentId } = parseStepInput(StepInput, payload);
  const store = dependency('store');
  const clock = dependency('clock');
  return writePostmortem(
    {
      store,
      clock,
      writeBack: (incident, purpose, update) =>
        writeBack({ store, itsm: dependency('itsm'), clock, audit: dependency('audit') }, incident, purpose, update),
    },
    incidentId,
  );
});
