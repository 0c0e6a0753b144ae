import middy from '@middy/core';
import '../../runtime/aws/agents-topology';
import '../../runtime/aws/governance-audit';
import '../../runtime/aws/store';
import { dependency } from '../../runtime/dependencies';
import { logger } from '../../shared/observability';
import { parseStepInput, StepInput } from '../../workflow/step-input';
import { runAgentStep } from '../agent-step';
import { mapDependencies } from './core';

/** Workflow step `Dependency`: blast radius, recent changes on the path, ranked suspects. */
export const handler = middy<unknown, Record<string, unknown>>().handler(async (payload) => {
  const { incidentId } = parseStepInput(StepInput, payload);
  const clock = dependency('clock');
  return runAgentStep(
    'dependency',
    incidentId,
    { store: dependency('store'), clock, audit: dependency('audit') },
    async (incident) => {
      const result = await mapDependencies(incident, { topology: dependency('topology'), clock });
      logger.info('dependencies mapped', { incidentId, status: result.status, suspects: result.suspects.length });
      return {
        result: { ...result },
        summary: result.summary,
        data: {
          status: result.status,
          topSuspect: result.suspects[0]?.component,
          blastRadius: result.blastRadius.components,
        },
        output: { status: result.status, suspectCount: result.suspects.length },
        method: 'topology-graph',
      };
    },
  );
});
