import type { TriageResult } from '../../core/incident';
import { agentStep } from '../../runtime/agent-step';
import { languageModel } from '../../runtime/ports/language-model';
import { triageModelStore } from '../../runtime/ports/triage-model';
import { logger } from '../../shared/observability';
import { triageWithEvidence } from './triage-agent';

/**
 * Workflow step `Triage`: classifies the incident from its rules, the classifier trained on resolved incidents and (in
 * AWS) the language model; records the result on the incident and the evidence under `agents.triage`.
 */
export const handler = agentStep<TriageResult & Record<string, unknown>>({
  agent: 'triage',
  work: async (incident, decision) => {
    const { triage, evidence } = await triageWithEvidence(incident, {
      model: await triageModelStore().load(),
      llm: decision.model(languageModel()),
    });
    logger.info('triaged', {
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
});
