import { agentStep } from '../../runtime/agent-step';
import { clock } from '../../runtime/ports/clock';
import { topology } from '../../runtime/ports/topology';
import { logger } from '../../shared/observability';
import { mapDependencies } from './core';

/** Workflow step `Dependency`: blast radius, recent changes on the path, ranked suspects. */
export const handler = agentStep({
  step: 'Dependency',
  work: async (incident) => {
    const result = await mapDependencies(incident, { topology: topology(), clock: clock() });
    logger.info('dependencies mapped', { status: result.status, suspects: result.suspects.length });
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
});
