import type { Incident, Signal } from '../core/incident';
import { type IncidentHead, type IncidentStore, isClosed } from '../ports/incident-store';
import type { Topology, TopologySource } from '../ports/topology';

/**
 * One outage, one incident, across the service graph: when a service breaks, the services that depend on it alarm
 * too, often before it does. A new signal about a service joins a live incident about a service it depends on
 * (upstream) or that depends on it (downstream), along one direction of the graph only: two services that merely
 * share a dependency are not linked by it, so unrelated outages on shared infrastructure stay apart. The exception
 * is an outage whose several services all converge on a dependency that has not alarmed (yet): another dependent of
 * that dependency joins it (see `convergenceOf`).
 */

/** Sources whose signals are people's tickets: they never "recover", so they do not keep an outage live. */
const TICKET_SOURCES = new Set(['servicenow', 'jira', 'zendesk']);

/** How far along the graph two services of one outage may be. @default 4 */
const MAX_DEPTH = 4;
/** The most recent incidents considered. */
const RECENT_INCIDENTS = 50;

const normal = (name: string) => name.trim().toLowerCase();

/** The graph's id for a service name (id, alias or display name; CloudWatch's `namespace:value` form too). */
export function componentId(topology: Topology, name: string | undefined): string | undefined {
  if (!name?.trim()) return undefined;
  const wanted = normal(name);
  const short = wanted.includes(':') ? wanted.slice(wanted.lastIndexOf(':') + 1) : undefined;
  for (const key of [wanted, short]) {
    if (!key) continue;
    const node =
      topology.nodes.find((n) => normal(n.id) === key) ??
      topology.nodes.find((n) => [...(n.aliases ?? []), ...(n.name ? [n.name] : [])].some((a) => normal(a) === key));
    if (node) return node.id;
  }
  return undefined;
}

/**
 * The services one directed path away from `service`, with their distance: what it depends on (upstream) and what
 * depends on it (downstream), each followed in its own direction up to `maxDepth` edges.
 */
export function pathRelated(topology: Topology, service: string, maxDepth = MAX_DEPTH): Map<string, number> {
  const related = new Map<string, number>();
  walk(service, maxDepth, related, (id) => topology.edges.filter((e) => e.from === id).map((e) => e.to));
  walk(service, maxDepth, related, (id) => topology.edges.filter((e) => e.to === id).map((e) => e.from));
  return related;
}

/** What `service` depends on, directly or not (up to `maxDepth` edges), with the distance. */
function upstreamOf(topology: Topology, service: string, maxDepth = MAX_DEPTH): Map<string, number> {
  const found = new Map<string, number>();
  walk(service, maxDepth, found, (id) => topology.edges.filter((e) => e.from === id).map((e) => e.to));
  return found;
}

/** Follows `next` from `service` breadth-first, recording in `reached` each service's least distance. */
function walk(service: string, maxDepth: number, reached: Map<string, number>, next: (id: string) => string[]): void {
  let frontier = [service];
  for (let depth = 1; depth <= maxDepth && frontier.length > 0; depth++) {
    const found: string[] = [];
    for (const id of frontier) {
      for (const other of next(id)) {
        if (other === service || (reached.get(other) ?? Number.POSITIVE_INFINITY) <= depth) continue;
        reached.set(other, depth);
        found.push(other);
      }
    }
    frontier = found;
  }
}

/**
 * Where an outage converges when its epicentre has not alarmed yet: the dependencies every one of the incident's
 * services (two or more) relies on, when none of those services is itself such a dependency. A storefront, checkout,
 * payments and inventory all failing converge on the database they share, and another dependent of that database
 * alarming belongs to the same outage. Empty when one of the incident's services already explains the others (it
 * is the epicentre, and the path rule links what depends on it) or the services share nothing.
 */
export function convergenceOf(topology: Topology, services: ReadonlySet<string>): Set<string> {
  if (services.size < 2) return new Set();
  let common: Set<string> | undefined;
  for (const service of services) {
    const reach = new Set([service, ...upstreamOf(topology, service).keys()]);
    common = common ? new Set([...common].filter((id) => reach.has(id))) : reach;
  }
  if (!common || [...common].some((id) => services.has(id))) return new Set();
  return common;
}

/** The services an incident holds signals about: its own, and those of the signals that joined it. */
export function servicesOf(incident: IncidentHead, topology: Topology): Set<string> {
  const names = [
    incident.facts?.service,
    incident.service,
    ...incident.timeline
      .filter((e) => e.type === 'signal.correlated' && typeof e.data?.service === 'string')
      .map((e) => e.data!.service as string),
  ];
  return new Set(names.map((n) => componentId(topology, n)).filter((id): id is string => !!id));
}

/** What finding an outage needs. */
export interface OutageLookup {
  store: Pick<IncidentStore, 'listHeads' | 'get' | 'listSignals'>;
  topology: TopologySource;
  now: Date;
  /** A live incident's last signal is at most this old. */
  windowSeconds: number;
}

/** The live incident the signal's outage already has, with the service it is linked through. */
export interface OutageMatch {
  incident: Incident;
  via: string;
  distance: number;
}

/**
 * The open incident about a service one directed path away from the signal's service whose outage is live: a
 * signal reached it within the window and at least one of its alarms still fires. The nearest wins, then the
 * oldest (the incident the outage opened first). Undefined when the graph does not know the service.
 */
export async function findOutageIncident(signal: Signal, lookup: OutageLookup): Promise<OutageMatch | undefined> {
  // The graph is an aid: when it cannot be read, the signal is routed as if there were none. A store failure is
  // not swallowed: it fails the delivery, which is then retried or replayed.
  const topology = await lookup.topology.topology().catch(() => undefined);
  if (!topology) return undefined;
  const service = componentId(topology, signal.service);
  if (!service) return undefined;
  const related = pathRelated(topology, service);
  if (related.size === 0) return undefined;
  const since = lookup.now.getTime() - lookup.windowSeconds * 1000;
  const candidates: { incident: IncidentHead; via: string; distance: number }[] = [];
  let upstream: Map<string, number> | undefined;
  for (const incident of await lookup.store.listHeads({ limit: RECENT_INCIDENTS })) {
    if (isClosed(incident.status)) continue;
    if (Date.parse(incident.signals?.lastAt ?? incident.createdAt) < since) continue;
    const services = servicesOf(incident, topology);
    const linked = [...services].filter((s) => related.has(s)).sort((a, b) => related.get(a)! - related.get(b)!)[0];
    if (linked) {
      candidates.push({ incident, via: linked, distance: related.get(linked)! });
      continue;
    }
    // A dependent of the dependency the incident's services converge on: one hop further than that dependency.
    upstream ??= upstreamOf(topology, service);
    const reach = upstream;
    const epicentre = [...convergenceOf(topology, services)]
      .filter((id) => reach.has(id))
      .sort((a, b) => reach.get(a)! - reach.get(b)!)[0];
    if (epicentre) candidates.push({ incident, via: epicentre, distance: reach.get(epicentre)! + 1 });
  }
  candidates.sort((a, b) => a.distance - b.distance || a.incident.createdAt.localeCompare(b.incident.createdAt));
  // Across services the graph links what the monitoring sees: only an incident with an alarm still firing takes
  // a signal about another service (a ticket-only incident is joined by its own service's signals alone).
  for (const candidate of candidates) {
    if (!(await alarmFires(lookup.store, candidate.incident))) continue;
    const incident = await lookup.store.get(candidate.incident.incidentId);
    if (incident) return { incident, via: candidate.via, distance: candidate.distance };
  }
  return undefined;
}

/** Whether one of the incident's alarms still fires. */
export async function alarmFires(store: Pick<IncidentStore, 'listSignals'>, incident: IncidentHead): Promise<boolean> {
  if (incident.kind === 'alert' && incident.signals && incident.signals.firing >= incident.signals.total) return true;
  const members = await store.listSignals(incident.incidentId);
  return members.some((m) => m.state === 'firing' && !TICKET_SOURCES.has(m.source));
}

/**
 * Whether an open incident still stands for a live outage that new signals may join: one of its alarms still
 * fires, or it holds only people's reports and its workflow has not finished with them. An incident kept open by
 * a ticket after its alarms recovered, or a settled complaint, is not the outage a new alarm belongs to.
 */
export async function outageIsLive(
  store: Pick<IncidentStore, 'listSignals'>,
  incident: IncidentHead,
): Promise<boolean> {
  // An alarm-born incident where nothing recovered yet is live: the common case in a storm, without a read.
  if (incident.kind === 'alert' && incident.signals && incident.signals.firing >= incident.signals.total) return true;
  const members = await store.listSignals(incident.incidentId);
  const alarms = members.filter((m) => !TICKET_SOURCES.has(m.source));
  if (alarms.length > 0) return alarms.some((m) => m.state === 'firing');
  return !incident.timeline.some((e) => e.type === 'workflow.completed');
}

/** How long after an alarm's incident ended a ticket about the same service still belongs to it. */
export const ENDED_OUTAGE_SECONDS = 120;

/** When the incident ended: its last resolution entry, else its last update. */
function endedAt(incident: IncidentHead): number {
  const resolved = incident.timeline.filter((e) => e.type === 'incident.resolved').at(-1);
  return Date.parse(resolved?.at ?? incident.updatedAt);
}

/**
 * The alarm-born incident about the ticket's own service that ended (resolved or closed) at most
 * `ENDED_OUTAGE_SECONDS` ago (never longer than the correlation window): people report an outage minutes after the
 * monitor saw it, often after Lumos already fixed it, and that report belongs to the incident that handled the
 * outage rather than to a new one that would diagnose and remediate it again. Only tickets look back; an alarm
 * firing after its outage ended is a new outage. Nor does a ticket its source rates as affecting one person (impact
 * 3): after the outage is over, that is someone's own case (a failed order, a complaint), which a person follows up
 * on its own incident, not a report of the outage. The most recently ended wins.
 */
export async function findEndedOutageIncident(
  signal: Signal,
  lookup: Omit<OutageLookup, 'topology'> & { topology?: TopologySource },
): Promise<Incident | undefined> {
  if (signal.kind !== 'ticket' || !signal.service?.trim() || signal.severity.impact === 3) return undefined;
  const topology = lookup.topology ? await lookup.topology.topology().catch(() => undefined) : undefined;
  const wanted = (topology && componentId(topology, signal.service)) ?? normal(signal.service);
  const about = (incident: IncidentHead): boolean =>
    topology
      ? servicesOf(incident, topology).has(wanted)
      : [incident.facts?.service, incident.service].some((s) => s !== undefined && normal(s) === wanted);
  const since = lookup.now.getTime() - Math.min(ENDED_OUTAGE_SECONDS, lookup.windowSeconds) * 1000;
  const ended = (await lookup.store.listHeads({ limit: RECENT_INCIDENTS }))
    .filter(
      (i) => i.kind === 'alert' && isClosed(i.status) && endedAt(i) >= since && endedAt(i) <= lookup.now.getTime(),
    )
    .filter(about)
    .sort((a, b) => endedAt(b) - endedAt(a));
  return ended[0] ? lookup.store.get(ended[0].incidentId) : undefined;
}
