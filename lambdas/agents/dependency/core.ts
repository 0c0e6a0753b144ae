export type { DependencyResult, RelatedComponent, Suspect } from '../agent-results';

import { DirectedGraph } from 'graphology';
import type { Incident } from '../../core/incident';
import type { Clock } from '../../ports/clock';
import type { ChangeRecord, Topology, TopologyNode, TopologySource } from '../../ports/topology';
import { serviceCandidates } from '../affected-service';
import type { DependencyResult, RelatedComponent, Suspect } from '../agent-results';

/** Tuning of dependency mapping. */
export interface DependencyOptions {
  /** Hops followed in each direction. @default 3 */
  readonly maxDepth?: number;
  /** Hours before the incident in which changes are read. @default 24 */
  readonly changeLookbackHours?: number;
  /** A change this many minutes before the incident counts half as much as one just before it. @default 120 */
  readonly changeHalfLifeMinutes?: number;
  /** Suspects reported at most. @default 5 */
  readonly maxSuspects?: number;
}

export interface DependencyDeps {
  readonly topology: TopologySource;
  readonly clock: Clock;
}

const CHANGE_KIND_WEIGHT: Record<string, number> = {
  deployment: 1,
  deploy: 1,
  release: 1,
  config: 0.9,
  configuration: 0.9,
  'feature-flag': 0.9,
  infrastructure: 0.8,
  normal: 0.7,
  standard: 0.6,
  emergency: 0.9,
};
const RISK_WEIGHT = { high: 1.15, medium: 1, low: 0.85 } as const;
const round = (value: number) => Math.round(value * 100) / 100;
const minutes = (ms: number) => Math.round(ms / 60_000);

/** Builds the graph: an edge `a -> b` means a depends on b. */
export function buildGraph(topology: Topology): DirectedGraph<TopologyNode> {
  const graph = new DirectedGraph<TopologyNode>();
  for (const node of topology.nodes) graph.mergeNode(node.id, node);
  for (const edge of topology.edges) {
    if (edge.from === edge.to) continue;
    if (!graph.hasNode(edge.from)) graph.addNode(edge.from, { id: edge.from });
    if (!graph.hasNode(edge.to)) graph.addNode(edge.to, { id: edge.to });
    graph.mergeEdge(edge.from, edge.to, { kind: edge.kind });
  }
  return graph;
}

const normal = (name: string) => name.trim().toLowerCase();

/** Finds the affected service in the graph: by id, alias or name from the incident, else by a whole-word mention in the title. */
export function locateService(
  graph: DirectedGraph<TopologyNode>,
  incident: Pick<Incident, 'service' | 'labels' | 'title'> & Partial<Pick<Incident, 'facts'>>,
): { id: string; matchedBy: NonNullable<DependencyResult['matchedBy']> } | undefined {
  const byId = new Map<string, string>();
  const byAlias = new Map<string, string>();
  const byName = new Map<string, string>();
  graph.forEachNode((id, node) => {
    byId.set(normal(id), id);
    for (const alias of node.aliases ?? []) byAlias.set(normal(alias), id);
    if (node.name) byName.set(normal(node.name), id);
  });
  for (const candidate of serviceCandidates(incident)) {
    const key = normal(candidate);
    if (byId.has(key)) return { id: byId.get(key)!, matchedBy: 'id' };
    if (byAlias.has(key)) return { id: byAlias.get(key)!, matchedBy: 'alias' };
    if (byName.has(key)) return { id: byName.get(key)!, matchedBy: 'name' };
  }
  const title = ` ${normal(incident.title).replace(/[^a-z0-9._-]+/g, ' ')} `;
  const mentioned = [...byId.entries(), ...byAlias.entries()]
    .filter(([name]) => name.length >= 3 && title.includes(` ${name} `))
    .sort((a, b) => b[0].length - a[0].length);
  return mentioned[0] ? { id: mentioned[0][1], matchedBy: 'title' } : undefined;
}

/** Breadth-first walk in one direction, recording depth and the path taken. */
function walk(
  graph: DirectedGraph<TopologyNode>,
  start: string,
  direction: 'out' | 'in',
  maxDepth: number,
): RelatedComponent[] {
  const seen = new Map<string, string[]>([[start, [start]]]);
  const found: RelatedComponent[] = [];
  let frontier = [start];
  for (let depth = 1; depth <= maxDepth && frontier.length > 0; depth++) {
    const next: string[] = [];
    for (const id of frontier) {
      const neighbours = direction === 'out' ? graph.outNeighbors(id) : graph.inNeighbors(id);
      for (const neighbour of neighbours.sort()) {
        if (seen.has(neighbour)) continue;
        const path = [...seen.get(id)!, neighbour];
        seen.set(neighbour, path);
        const node = graph.getNodeAttributes(neighbour);
        found.push({
          id: neighbour,
          depth,
          path,
          ...(node.kind ? { kind: node.kind } : {}),
          ...(node.owner ? { owner: node.owner } : {}),
          ...(node.criticality ? { criticality: node.criticality } : {}),
        });
        next.push(neighbour);
      }
    }
    frontier = next;
  }
  return found;
}

/**
 * How strongly a component's changes suggest it caused an incident opened at `opened`: the strongest change, by
 * kind and risk, decaying with its distance before the incident (changes after it count half: often the fix).
 */
function changeEvidence(
  changes: readonly ChangeRecord[],
  opened: number,
  halfLifeMinutes: number,
): { score: number; reasons: string[] } {
  let score = 0;
  const reasons: string[] = [];
  for (const change of changes) {
    const delta = opened - Date.parse(change.at);
    const decay = delta >= 0 ? 0.5 ** (delta / 60_000 / halfLifeMinutes) : 0.5;
    const weight =
      (CHANGE_KIND_WEIGHT[change.kind.toLowerCase()] ?? 0.6) * (change.risk ? RISK_WEIGHT[change.risk] : 1);
    score = Math.max(score, Math.min(1, decay * weight));
    const when = delta >= 0 ? `${minutes(delta)} min before the incident` : `${minutes(-delta)} min after it opened`;
    reasons.push(`${change.kind} ${change.id} '${change.summary.slice(0, 80)}' ${when}`);
  }
  // Several changes on one component are more suspicious than one, with diminishing returns.
  if (changes.length > 1) score = Math.min(1, score + 0.05 * Math.min(changes.length - 1, 3));
  return { score, reasons };
}

/**
 * Dependency mapping for an incident: locates the affected service in the service graph, walks upstream (what it
 * depends on) and downstream (what depends on it: the blast radius), reads recent changes on those components and
 * ranks suspects: the service and its dependencies, by change evidence and closeness.
 */
export async function mapDependencies(
  incident: Incident,
  deps: DependencyDeps,
  options: DependencyOptions = {},
): Promise<DependencyResult> {
  const empty = {
    dependencies: [],
    dependents: [],
    blastRadius: { components: 0, highCriticality: [], owners: [] },
    changes: [],
    suspects: [],
  };
  const graph = buildGraph(await deps.topology.topology());
  const located = locateService(graph, incident);
  if (!located) {
    const names = serviceCandidates(incident);
    return {
      status: 'skipped',
      reason: names.length
        ? `${names.map((n) => `'${n}'`).join(', ')} is not in the service graph`
        : 'the incident names no service',
      ...empty,
      confidence: 0,
      summary: 'Affected service not found in the service graph.',
    };
  }
  const maxDepth = options.maxDepth ?? 3;
  const service = located.id;
  const dependencies = walk(graph, service, 'out', maxDepth);
  const dependents = walk(graph, service, 'in', maxDepth);

  const opened = Date.parse(incident.createdAt);
  const since = new Date(opened - (options.changeLookbackHours ?? 24) * 3_600_000);
  const until = deps.clock.now();
  const watched = [
    service,
    ...dependencies.map((d) => d.id),
    ...dependents.filter((d) => d.depth === 1).map((d) => d.id),
  ];
  const changes = await deps.topology.changes(watched, since, until);
  const changesBy = new Map<string, ChangeRecord[]>();
  for (const change of changes) changesBy.set(change.component, [...(changesBy.get(change.component) ?? []), change]);

  const halfLife = options.changeHalfLifeMinutes ?? 120;
  const candidates = [{ id: service, depth: 0, path: [service] }, ...dependencies];
  const suspects: Suspect[] = candidates.map((candidate) => {
    const proximity = 1 / (1 + candidate.depth);
    const evidence = changeEvidence(changesBy.get(candidate.id) ?? [], opened, halfLife);
    const relation =
      candidate.depth === 0
        ? 'the affected service itself'
        : candidate.depth === 1
          ? `direct dependency of ${service}`
          : `dependency of ${service} via ${candidate.path.slice(1, -1).join(' -> ')}`;
    return {
      component: candidate.id,
      score: round(evidence.score * (0.6 + 0.4 * proximity) + 0.25 * proximity),
      reasons: [relation, ...evidence.reasons],
      changeIds: (changesBy.get(candidate.id) ?? []).map((c) => c.id),
    };
  });
  suspects.sort((a, b) => b.score - a.score || a.component.localeCompare(b.component));
  const topSuspects = suspects.slice(0, options.maxSuspects ?? 5);

  const highCriticality = dependents.filter((d) => d.criticality === 'high').map((d) => d.id);
  const owners = [...new Set(dependents.map((d) => d.owner).filter((o): o is string => Boolean(o)))].sort();
  const top = topSuspects[0]!;
  const topHasChange = top.changeIds.length > 0;
  const confidence =
    round(topHasChange ? 0.45 + 0.45 * Math.min(1, top.score) : 0.3) * (located.matchedBy === 'title' ? 0.8 : 1);
  const summary =
    `${service}: ${dependencies.length} upstream, ${dependents.length} downstream` +
    (highCriticality.length ? ` (${highCriticality.length} critical: ${highCriticality.slice(0, 3).join(', ')})` : '') +
    (topHasChange
      ? `; top suspect ${top.component} (${top.reasons[1] ?? 'recent change'})`
      : '; no recent changes on the path');
  return {
    status: 'mapped',
    service,
    matchedBy: located.matchedBy,
    dependencies,
    dependents,
    blastRadius: { components: dependents.length, highCriticality, owners },
    changes,
    suspects: topSuspects,
    confidence: round(confidence),
    summary,
  };
}
