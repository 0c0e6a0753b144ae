import type { DependencyView, RelatedComponentView } from './types';

/** A placed node of the graph. */
export interface PlacedNode {
  id: string;
  x: number;
  y: number;
  side: 'center' | 'upstream' | 'downstream';
  depth: number;
  critical: boolean;
  suspect: boolean;
}

export interface GraphLayout {
  width: number;
  height: number;
  nodes: PlacedNode[];
  /** `from` depends on `to`. */
  edges: { from: string; to: string }[];
  /** Components left out of a crowded column, per side. */
  hidden: { upstream: number; downstream: number };
}

const COLUMN_W = 150;
const ROW_H = 44;
const MAX_PER_COLUMN = 8;

/**
 * Lays the dependency graph out in columns: the affected service in the middle, what it depends on to the left
 * (one column per hop), what depends on it (the blast radius) to the right. Columns keep at most eight nodes,
 * suspects and critical components first; the rest are counted.
 */
export function layoutBlastRadius(result: DependencyView): GraphLayout {
  const service = result.service ?? 'service';
  const suspects = new Set((result.suspects ?? []).map((s) => s.component));
  const critical = new Set(result.blastRadius?.highCriticality ?? []);
  const rank = (c: RelatedComponentView) =>
    (suspects.has(c.id) ? 0 : 2) + (critical.has(c.id) || c.criticality === 'high' ? 0 : 1);
  const columns = (list: RelatedComponentView[] = []) => {
    const byDepth = new Map<number, RelatedComponentView[]>();
    for (const c of list) byDepth.set(c.depth, [...(byDepth.get(c.depth) ?? []), c]);
    let hidden = 0;
    const kept = new Map<number, RelatedComponentView[]>();
    for (const [depth, members] of byDepth) {
      const sorted = [...members].sort((a, b) => rank(a) - rank(b) || a.id.localeCompare(b.id));
      kept.set(depth, sorted.slice(0, MAX_PER_COLUMN));
      hidden += Math.max(0, sorted.length - MAX_PER_COLUMN);
    }
    return { kept, hidden, depth: Math.max(0, ...byDepth.keys()) };
  };
  const up = columns(result.dependencies);
  const down = columns(result.dependents);
  const tallest = Math.max(1, ...[...up.kept.values(), ...down.kept.values()].map((c) => c.length));
  const height = Math.max(120, tallest * ROW_H + 40);
  const width = (up.depth + down.depth + 1) * COLUMN_W + 40;
  const centerX = 20 + up.depth * COLUMN_W + COLUMN_W / 2;
  const nodes: PlacedNode[] = [
    {
      id: service,
      x: centerX,
      y: height / 2,
      side: 'center',
      depth: 0,
      critical: critical.has(service),
      suspect: suspects.has(service),
    },
  ];
  const place = (kept: Map<number, RelatedComponentView[]>, side: 'upstream' | 'downstream') => {
    for (const [depth, members] of kept) {
      const x = centerX + (side === 'upstream' ? -1 : 1) * depth * COLUMN_W;
      members.forEach((c, i) => {
        const y = height / 2 + (i - (members.length - 1) / 2) * ROW_H;
        nodes.push({
          id: c.id,
          x,
          y,
          side,
          depth,
          critical: critical.has(c.id) || c.criticality === 'high',
          suspect: suspects.has(c.id),
        });
      });
    }
  };
  place(up.kept, 'upstream');
  place(down.kept, 'downstream');
  const placed = new Set(nodes.map((n) => n.id));
  const edges = new Map<string, { from: string; to: string }>();
  const addPath = (path: string[], side: 'upstream' | 'downstream') => {
    for (let i = 0; i < path.length - 1; i++) {
      const [a, b] = [path[i]!, path[i + 1]!];
      if (!placed.has(a) || !placed.has(b)) continue;
      // Upstream paths run service -> dependency (service depends on it); downstream paths run service -> dependent.
      const edge = side === 'upstream' ? { from: a, to: b } : { from: b, to: a };
      edges.set(`${edge.from}->${edge.to}`, edge);
    }
  };
  for (const c of result.dependencies ?? []) addPath(c.path.length ? c.path : [service, c.id], 'upstream');
  for (const c of result.dependents ?? []) addPath(c.path.length ? c.path : [service, c.id], 'downstream');
  return { width, height, nodes, edges: [...edges.values()], hidden: { upstream: up.hidden, downstream: down.hidden } };
}
