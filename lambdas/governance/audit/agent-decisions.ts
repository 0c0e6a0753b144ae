import { sha256Hex } from '../../core/ids';
import type { Incident } from '../../core/incident';
import { agentName } from '../../function-catalogue';
import type { AuditEntry, AuditTrail } from '../../ports/audit';
import { canonicalJson } from './audit-chain';

/** An agent decision as the trail records it: who decided, with which model and prompt, on what evidence, what. */
export interface AgentDecision {
  agent: string;
  /** The model id, or the name and version of the deterministic logic that decided. */
  modelId: string;
  /** sha256 of the exact prompt (or of the input, for logic without a prompt). */
  promptHash: string;
  /** What `promptHash` covers: the model requests that answered, or the incident the agent was given. */
  promptOf?: 'model-requests' | 'incident';
  /** Retrieved knowledge: article ids and the version (last update) each had. */
  retrieved: { articleId: string; version: string }[];
  output: unknown;
}

/** The audit entry for one agent decision. Agents call this with their own model id and prompt hash. */
export function agentDecisionEntry(decision: AgentDecision, summary: string): AuditEntry {
  return {
    type: 'agent.decision',
    actor: `agent:${decision.agent}`,
    summary,
    data: { ...decision, outputHash: sha256Hex(canonicalJson(decision.output)) },
  };
}

/**
 * Records the triage and knowledge decisions already on the incident, so the trail holds every agent decision even
 * where an agent did not write to it itself (incidents triaged before the agents recorded their own decisions). An
 * agent that already has a decision on the trail (its own, or an earlier backfill) is not recorded again.
 */
export async function auditRecordedAgentDecisions(audit: AuditTrail, incident: Incident): Promise<number> {
  const recorded = new Set(
    (await audit.list(incident.incidentId)).filter((r) => r.type === 'agent.decision').map((r) => r.actor),
  );
  const inputHash = sha256Hex(`${incident.title}\n${incident.description}`);
  const decisions: [AgentDecision, string][] = [];
  if (incident.triage) {
    const { triage } = incident;
    decisions.push([
      {
        agent: agentName('Triage'),
        modelId:
          triage.method === 'model'
            ? (process.env.BEDROCK_MODEL_ID ?? 'bedrock')
            : `lumos-heuristic-triage/${triage.method ?? 'rules'}`,
        promptHash: inputHash,
        retrieved: [],
        output: triage,
      },
      `triage: ${triage.priority} ${triage.category} -> ${triage.assignmentGroup} (confidence ${triage.confidence})`,
    ]);
  }
  if (incident.knowledge) {
    const { knowledge } = incident;
    decisions.push([
      {
        agent: agentName('Knowledge'),
        modelId: process.env.BEDROCK_EMBEDDING_MODEL_ID ?? 'lumos-hybrid-retrieval/use-512',
        promptHash: sha256Hex(knowledge.query),
        retrieved: knowledge.articles.map((a) => ({ articleId: a.articleId, version: a.updatedAt ?? 'unversioned' })),
        output: {
          articles: knowledge.articles.map(({ articleId, score }) => ({ articleId, score })),
          suggestedResolution: knowledge.suggestedResolution ?? null,
        },
      },
      `knowledge: ${knowledge.articles.length} article(s) retrieved`,
    ]);
  }
  let written = 0;
  for (const [decision, summary] of decisions) {
    const entry = agentDecisionEntry(decision, summary);
    if (recorded.has(entry.actor)) continue;
    await audit.append(incident.incidentId, entry);
    written++;
  }
  return written;
}
