import middy from '@middy/core';
import { z } from 'zod';
import type { IncidentStatus } from '../../core/incident';
import '../../runtime/aws/governance-audit';
import '../../runtime/aws/store';
import { dependency } from '../../runtime/dependencies';
import { parseStepInput } from '../step-input';
import { recordOutcome } from './core';

const Input = z.looseObject({ incidentId: z.string(), outcome: z.enum(['executed', 'rejected', 'escalated']) });

/** Workflow step `RecordOutcome`: classifies how the incident ended and records it. */
export const handler = middy<unknown, { status: IncidentStatus; outcomeClass: string }>().handler(async (payload) => {
  const input = parseStepInput(Input, payload);
  const { status, outcome } = await recordOutcome(
    { store: dependency('store'), clock: dependency('clock'), audit: dependency('audit') },
    input,
  );
  return { status, outcomeClass: outcome.class };
});
