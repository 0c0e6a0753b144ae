import type { Incident, Source } from '../../../lambdas/core/incident';
import { createConnector } from '../../../lambdas/itsm/connector-registry';
import type { Itsm, ItsmConnector, ItsmSource } from '../../../lambdas/itsm/ticket';
import { DEFAULT_BASIC, type ItsmContractServer } from '../../support/itsm-contract-server';

/** A triaged incident as intake and triage leave it, from one of the ITSM tools. */
export function incidentFrom(
  source: Source,
  ids: { externalId: string; sysId?: string; incidentId?: string },
): Incident {
  const at = '2026-11-20T10:00:00.000Z';
  return {
    incidentId: ids.incidentId ?? `inc-test-${source}`,
    source,
    kind: 'ticket',
    externalId: ids.externalId,
    fingerprint: source === 'servicenow' ? `servicenow:${ids.sysId}` : `${source}:${ids.externalId}`,
    title: 'VPN drops every few minutes for the Berlin office',
    description: 'Users in Berlin lose the VPN tunnel every 5 minutes since this morning.',
    service: 'corp-vpn',
    reporter: 'ana.lima@example.com',
    status: 'triaged',
    priority: 'P2',
    severity: {},
    labels: {},
    triage: {
      priority: 'P2',
      category: 'network',
      assignmentGroup: 'Network Operations',
      confidence: 0.82,
      rationale: 'Mentions VPN tunnel drops for a whole office.',
    },
    knowledge: {
      query: 'vpn drops',
      articles: [{ articleId: 'network/vpn-access.md', title: 'VPN access problems', score: 0.91 }],
    },
    agents: {},
    timeline: [{ at, actor: 'intake', type: 'incident.created', summary: 'created' }],
    createdAt: at,
    updatedAt: at,
  };
}

/** Connectors of every tool pointed at the contract server, with the default Basic credentials it accepts. */
export function contractItsm(
  server: ItsmContractServer,
  sleep?: (ms: number) => Promise<void>,
): Itsm & { connectors: Map<ItsmSource, ItsmConnector> } {
  const connectors = new Map<ItsmSource, ItsmConnector>();
  for (const source of ['servicenow', 'jira', 'zendesk'] as const) {
    connectors.set(
      source,
      createConnector(
        source,
        { baseUrl: server.url, credentials: { type: 'basic', username: 'lumos', password: 'local-dev-secret' } },
        {},
        { ...(sleep ? { sleep } : {}), maxWaitMs: 5_000 },
      ),
    );
  }
  return { connectors, connector: async (source) => connectors.get(source as ItsmSource) };
}

export { DEFAULT_BASIC };
