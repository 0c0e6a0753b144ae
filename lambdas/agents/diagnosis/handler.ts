import middy from '@middy/core';
import '../../runtime/aws/agents-llm';
import '../../runtime/aws/agents-logs';
import '../../runtime/aws/agents-topology';
import '../../runtime/aws/governance-audit';
import '../../runtime/aws/store';
import { dependency } from '../../runtime/dependencies';
import { logger } from '../../shared/observability';
import { parseStepInput, StepInput } from '../../workflow/step-input';
import { runAgentStep } from '../agent-step';
import { diagnoseIncident } from './core';

/**
 * Workflow step `Diagnose`: ranks root-cause hypotheses (suspect component, failure mode, confidence, cited
 * evidence, what would confirm or rule each out) from what the enrichment agents found and the suspects' own logs.
 * Stored under `agents.diagnosis`; the plan acts on its top hypothesis, and the audit trail records it.
 */
export const handler = middy<unknown, Record<string, unknown>>().handler(async (payload) => {
  const { incidentId } = parseStepInput(StepInput, payload);
  const clock = dependency('clock');
  return runAgentStep(
    'diagnosis',
    incidentId,
    { store: dependency('store'), clock, audit: dependency('audit') },
    async (incident, decision) => {
      const diagnosis = await diagnoseIncident(incident, {
        clock,
        logs: dependency('logs'),
        topology: dependency('topology'),
        llm: decision.model(dependency('llm')),
      });
      const top = diagnosis.hypotheses[0];
      logger.info('diagnosed', {
        incidentId,
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
  );
});
