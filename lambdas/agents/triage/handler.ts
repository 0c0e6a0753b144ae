import type { TriageResult } from '../../core/incident';
import { decideFacts, type IncidentFacts, serviceOwner } from '../../core/incident-facts';
import { governanceConfig } from '../../governance/governance-config';
import { agentStep } from '../../runtime/agent-step';
import { languageModel } from '../../runtime/ports/language-model';
import { topology } from '../../runtime/ports/topology';
import { triageModelStore } from '../../runtime/ports/triage-model';
import { logger } from '../../shared/observability';
import { triageWithEvidence } from './triage-agent';

/**
 * Workflow step `Triage`: classifies the incident from its rules, the classifier trained on resolved incidents and (in
 * AWS) the language model; records the result on the incident and the evidence under `agents.triage`. Decides the
 * shared facts (affected service, environment, reporter; the service graph's owner as the proposed owning team) that
 * every later agent reads.
 */
export const handler = agentStep<TriageResult & Record<string, unknown>>({
  step: 'Triage',
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
    const facts = await incidentFacts(incident);
    return {
      set: { triage, priority: triage.priority, status: 'triaged', facts },
      result: { ...evidence },
      summary: `${triage.priority} ${triage.category} -> ${triage.assignmentGroup} (confidence ${triage.confidence})`,
      data: { method: triage.method, reasons: triage.reasons, facts },
      output: { ...triage },
      method: `triage-${triage.method ?? 'rules'}`,
    };
  },
});

/**
 * The shared facts, decided against the service graph and the governed services. An unreadable graph leaves the
 * source fields to decide alone (the facts say so in their basis) rather than failing triage.
 */
async function incidentFacts(incident: Parameters<typeof decideFacts>[0]): Promise<IncidentFacts> {
  const components = await topology()
    .topology()
    .then((graph) => graph.nodes)
    .catch((error: unknown) => {
      logger.warn('service graph unavailable; facts from source fields only', { error: String(error) });
      return [];
    });
  const facts = decideFacts(incident, { components, services: governanceConfig().services });
  const owner = serviceOwner(facts, components);
  return owner
    ? {
        ...facts,
        owningTeam: owner,
        basis: { ...facts.basis, owningTeam: `service graph owner of ${facts.service} (proposed; routing decides)` },
      }
    : facts;
}
