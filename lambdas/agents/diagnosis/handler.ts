import { agentStep } from '../../runtime/agent-step';
import { clock } from '../../runtime/ports/clock';
import { languageModel } from '../../runtime/ports/language-model';
import { logSource } from '../../runtime/ports/log-source';
import { topology } from '../../runtime/ports/topology';
import { logger } from '../../shared/observability';
import { diagnoseIncident } from './core';

/**
 * Workflow step `Diagnose`: ranks root-cause hypotheses (suspect component, failure mode, confidence, cited
 * evidence, what would confirm or rule each out) from what the enrichment agents found and the suspects' own logs.
 * Stored under `agents.diagnosis`; the plan acts on its top hypothesis, and the audit trail records it.
 */
export const handler = agentStep({
  step: 'Diagnose',
  work: async (incident, decision) => {
    const diagnosis = await diagnoseIncident(incident, {
      clock: clock(),
      logs: logSource(),
      topology: topology(),
      llm: decision.model(languageModel()),
    });
    const top = diagnosis.hypotheses[0];
    logger.info('diagnosed', {
      failureMode: top?.failureMode,
      component: top?.component,
      confidence: diagnosis.confidence,
      method: diagnosis.method,
    });
    return {
      result: { ...diagnosis },
      summary: diagnosis.summary,
      data: {
        confidence: diagnosis.confidence,
        method: diagnosis.method ?? null,
        hypotheses: diagnosis.hypotheses.map(({ rank, component, failureMode, confidence, evidence }) => ({
          rank,
          component,
          failureMode,
          confidence,
          evidence: evidence.map((e) => e.ref),
        })),
      },
      output: {
        status: diagnosis.status,
        confidence: diagnosis.confidence,
        component: top?.component ?? null,
        failureMode: top?.failureMode ?? 'unknown',
      },
      method: diagnosis.method ?? 'evidence-scoring',
    };
  },
});
