import * as z from 'zod';
import type { ChangeRecord, Topology, TopologyEdge, TopologyNode } from '../../ports/topology';

/**
 * Parsing of service-graph exports into a {@link Topology} plus change records. Two shapes are accepted:
 *
 * - Lumos topology JSON: `{services: [{id, kind?, owner?, criticality?, aliases?, dependsOn?: [id | {id, kind}]}],
 *   edges?: [{from, to, kind?}], changes?: [{id, component, at, kind, summary, by?, risk?}]}`.
 * - ServiceNow exports (Table API `{result: [...]}`): `cmdb_rel_ci` relationship records (`parent`, `child`, `type`),
 *   `cmdb_ci*` records (`name`, `sys_class_name`, `owned_by`/`support_group`) and `change_request` records (`number`,
 *   `cmdb_ci`, `start_date`/`work_start`/`sys_created_on`, `short_description`, `type`, `risk`), in any mix, as one
 *   array or several files merged.
 *
 * A change's `at` may be relative (`-45m`, `-2h`, `-3d`), resolved against `now`: sample data stays recent.
 */
export interface TopologyExport {
  topology: Topology;
  changes: ChangeRecord[];
}

/** The export is neither shape, or names edges to nothing. */
export class InvalidTopologyExportError extends Error {
  override readonly name = 'InvalidTopologyExportError';
}

const Criticality = z.enum(['high', 'medium', 'low']);
const Risk = z.enum(['high', 'medium', 'low']);

const LumosService = z.object({
  id: z.string().min(1),
  name: z.string().optional(),
  kind: z.string().optional(),
  owner: z.string().optional(),
  criticality: Criticality.optional(),
  aliases: z.array(z.string()).optional(),
  dependsOn: z
    .array(z.union([z.string().min(1), z.object({ id: z.string().min(1), kind: z.string().optional() })]))
    .optional(),
});
const LumosEdge = z.object({ from: z.string().min(1), to: z.string().min(1), kind: z.string().optional() });
const LumosChange = z.object({
  id: z.string().min(1),
  component: z.string().min(1),
  at: z.string().min(1),
  kind: z.string().default('change'),
  summary: z.string().default(''),
  by: z.string().optional(),
  risk: Risk.optional(),
  featureFlag: z.string().min(1).max(128).optional(),
});
const LumosExport = z.object({
  services: z.array(LumosService).default([]),
  edges: z.array(LumosEdge).default([]),
  changes: z.array(LumosChange).default([]),
});

/** A ServiceNow reference: a string, or `{value, display_value, link}`. */
const Ref = z.union([
  z.string(),
  z.object({ display_value: z.string().optional(), value: z.string().optional() }).loose(),
  z.null(),
]);
const refText = (ref: z.infer<typeof Ref> | undefined): string | undefined => {
  if (!ref) return undefined;
  if (typeof ref === 'string') return ref.trim() || undefined;
  return (ref.display_value ?? ref.value)?.trim() || undefined;
};

/** Relationship types whose parent-side verb is passive: the child depends on the parent. */
const REVERSED_PARENT_VERBS = /^(used by|hosts|runs|contains|provides|serves|allocated to|receives data from)\b/i;

function resolveTime(at: string, now: Date): string {
  const relative = /^-(\d+(?:\.\d+)?)\s*(m|h|d)$/.exec(at.trim());
  if (relative) {
    const unit = { m: 60_000, h: 3_600_000, d: 86_400_000 }[relative[2] as 'm' | 'h' | 'd'];
    return new Date(now.getTime() - Number(relative[1]) * unit).toISOString();
  }
  const parsed = Date.parse(at.includes('T') || /[a-z]/i.test(at) ? at : `${at.replace(' ', 'T')}Z`);
  if (Number.isNaN(parsed)) throw new InvalidTopologyExportError(`change time '${at}' is not a date`);
  return new Date(parsed).toISOString();
}

function fromServiceNow(records: unknown[], now: Date): TopologyExport {
  const nodes = new Map<string, TopologyNode>();
  const edges: TopologyEdge[] = [];
  const changes: ChangeRecord[] = [];
  const touch = (id: string) => {
    if (!nodes.has(id)) nodes.set(id, { id });
  };
  for (const raw of records) {
    if (!raw || typeof raw !== 'object') continue;
    const record = raw as Record<string, z.infer<typeof Ref> | undefined>;
    const parent = refText(record.parent);
    const child = refText(record.child);
    if (parent && child) {
      const type = refText(record.type) ?? 'Depends on::Used by';
      const parentVerb = type.split('::')[0]?.trim() ?? type;
      const reversed = REVERSED_PARENT_VERBS.test(parentVerb);
      touch(parent);
      touch(child);
      edges.push({ from: reversed ? child : parent, to: reversed ? parent : child, kind: parentVerb.toLowerCase() });
      continue;
    }
    const number = refText(record.number);
    if (number && /^CHG/i.test(number)) {
      const component = refText(record.cmdb_ci);
      const at = refText(record.start_date) ?? refText(record.work_start) ?? refText(record.sys_created_on);
      if (!component || !at) continue;
      const risk = refText(record.risk)?.toLowerCase();
      changes.push({
        id: number,
        component,
        at: resolveTime(at, now),
        kind: refText(record.type)?.toLowerCase() ?? 'change',
        summary: refText(record.short_description) ?? '',
        by: refText(record.assigned_to) ?? refText(record.requested_by),
        risk: risk?.includes('high')
          ? 'high'
          : risk?.includes('moderate') || risk?.includes('medium')
            ? 'medium'
            : risk?.includes('low')
              ? 'low'
              : undefined,
      });
      continue;
    }
    const name = refText(record.name);
    if (name) {
      nodes.set(name, {
        id: name,
        kind: refText(record.sys_class_name),
        owner: refText(record.support_group) ?? refText(record.owned_by),
      });
    }
  }
  return { topology: { nodes: [...nodes.values()], edges }, changes };
}

function fromLumos(data: z.infer<typeof LumosExport>, now: Date): TopologyExport {
  const nodes = new Map<string, TopologyNode>();
  const edges: TopologyEdge[] = [];
  for (const service of data.services) {
    const { dependsOn, ...node } = service;
    nodes.set(service.id, { ...nodes.get(service.id), ...node });
    for (const dependency of dependsOn ?? []) {
      const target = typeof dependency === 'string' ? { id: dependency } : dependency;
      if (!nodes.has(target.id)) nodes.set(target.id, { id: target.id });
      edges.push({ from: service.id, to: target.id, kind: target.kind ?? 'depends-on' });
    }
  }
  for (const edge of data.edges) {
    for (const id of [edge.from, edge.to]) if (!nodes.has(id)) nodes.set(id, { id });
    edges.push(edge);
  }
  const changes = data.changes.map((change) => ({ ...change, at: resolveTime(change.at, now) }));
  return { topology: { nodes: [...nodes.values()], edges }, changes };
}

/** Parses an export (already JSON-decoded). @throws InvalidTopologyExportError */
export function parseTopologyExport(raw: unknown, now: Date = new Date()): TopologyExport {
  if (Array.isArray(raw)) return fromServiceNow(raw, now);
  if (raw && typeof raw === 'object' && Array.isArray((raw as { result?: unknown }).result)) {
    return fromServiceNow((raw as { result: unknown[] }).result, now);
  }
  const parsed = LumosExport.safeParse(raw);
  if (!parsed.success) throw new InvalidTopologyExportError(`not a topology export: ${z.prettifyError(parsed.error)}`);
  return fromLumos(parsed.data, now);
}

/** Merges several exports (a CMDB relationship dump, a CI dump, a change dump) into one. */
export function mergeTopologyExports(parts: readonly TopologyExport[]): TopologyExport {
  const nodes = new Map<string, TopologyNode>();
  const edges = new Map<string, TopologyEdge>();
  const changes = new Map<string, ChangeRecord>();
  for (const part of parts) {
    for (const node of part.topology.nodes) nodes.set(node.id, { ...nodes.get(node.id), ...node });
    for (const edge of part.topology.edges) edges.set(`${edge.from}\u0000${edge.to}`, edge);
    for (const change of part.changes) changes.set(change.id, change);
  }
  return { topology: { nodes: [...nodes.values()], edges: [...edges.values()] }, changes: [...changes.values()] };
}
