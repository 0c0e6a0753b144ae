import middy from '@middy/core';
import type { TriageResult } from '../../core/incident';
import '../../runtime/aws/agents-llm';
import '../../runtime/aws/agents-triage-model';
import '../../runtime/aws/governance-audit';
import '../../runtime/aws/store';
import { dependency } from '../../runtime/dependencies';
import { logger } from '../../shared/observability';
import { parseStepInput, StepInput } from '../../workflow/step-input';
import { runAgentStep } from '../agent-step';
import { triageWithEvidence } from './triage-agent';

/**
 * Workflow step `Triage`: classifies the incident from its rules, the classifier trained on resolved incidents and (in
 * AWS) the language model; records the result on the incident and the evidence under `agents.triage`.
 */
export const handler = middy<unknown, TriageResult>().handler(async (payload) => {
  const { incidentId } = parseStepInput(StepInput, payload);
  const output = await runAgentStep(
    'triage',
    incidentId,
    { store: dependency('store'), clock: dependency('clock'), audit: dependency('audit') },
    async (incident, decision) => {
      const { triage, evidence } = await triageWithEvidence(incident, {
        model: await dependency('triageModel').load(),
        llm: decision.model(dependency('llm')),
      });
      logger.info('triaged', {
        incidentId,
        priority: triage.priority,
        category: triage.category,
        confidence: triage.confidence,
        method: triage.method,
      });
      return {
        set: { triage, priority: triage.priority, status: 'triaged' },
        result: { ...evidence },
        summary: `${triage.priority} ${triage.category} -> ${triage.assignmentGroup} (confidence ${triage.confidence})`,
        data: { method: triage.method, reasons: triage.reasons },
        output: { ...triage },
        method: `triage-${triage.method ?? 'rules'}`,
      };
    },
  );
  return output as TriageResult;
});
