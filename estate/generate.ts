import type { EstateDefinition } from './definition';
import { HARD_DEPENDENCY_KINDS, resolveTime } from './definition';
import type { ChangeEvent } from './service-state';

/**
 * Everything Lumos reads about the estate, derived from the one definition: the topology export (with deploy and
 * change history), governance overrides (services with domain, environment and targets; autonomy per domain;
 * approver groups), teams and on-call, and a knowledge article per service. Pure functions: the runner writes them.
 */

/** Lumos topology JSON (`LUMOS_TOPOLOGY_FILE`), as `lambdas/agents/dependency/topology-export.ts` parses it. */
export interface TopologyFile {
  services: {
    id: string;
    kind: string;
    owner: string;
    criticality: string;
    aliases?: string[];
    dependsOn?: { id: string; kind: string }[];
  }[];
  changes: {
    id: string;
    component: string;
    at: string;
    kind: string;
    summary: string;
    by: string;
    risk: string;
    featureFlag?: string;
  }[];
}

/**
 * The topology: every service and component with owner and edges, and the change history (deploys from each
 * service's history, the definition's other changes, and `live` changes the running estate recorded).
 * With `relative`, times stay relative (`-3h`) so a committed fixture stays recent whenever it is read.
 */
export function topologyFile(
  estate: EstateDefinition,
  options: { now?: Date; live?: readonly ChangeEvent[]; relative?: boolean } = {},
): TopologyFile {
  const now = options.now ?? new Date();
  const time = (at: string) => (options.relative ? at : resolveTime(at, now));
  const services: TopologyFile['services'] = [];
  for (const [id, service] of Object.entries(estate.services)) {
    const fromComponents = estate.components
      .filter((c) => c.dependents.includes(id))
      .map((c) => ({ id: c.id, kind: c.kind === 'cluster' ? 'runs-on' : 'calls' }));
    services.push({
      id,
      kind: service.kind,
      owner: service.team,
      criticality: service.criticality,
      ...(service.aliases.length > 0 ? { aliases: service.aliases } : {}),
      dependsOn: [...service.dependsOn.map((d) => ({ id: d.id, kind: d.kind })), ...fromComponents],
    });
  }
  for (const component of estate.components)
    services.push({
      id: component.id,
      kind: component.kind,
      owner: component.team,
      criticality: component.criticality,
    });

  const changes: TopologyFile['changes'] = [];
  for (const [id, service] of Object.entries(estate.services)) {
    service.deploys.forEach((deploy, i) => {
      const previous = service.deploys[i - 1]?.version;
      changes.push({
        id: deploy.change,
        component: id,
        at: time(deploy.at),
        kind: 'deployment',
        summary: previous
          ? `Release ${deploy.version} of ${id} (from ${previous})`
          : `Release ${deploy.version} of ${id}`,
        by: deploy.by,
        risk: 'low',
      });
    });
  }
  for (const change of estate.changes) changes.push({ ...change, at: time(change.at) });
  for (const change of options.live ?? []) changes.push({ ...change });
  return { services, changes };
}

/** Base URLs of the running services, by name. */
export type ServiceUrls = Readonly<Record<string, string>>;

/**
 * Governance overrides (`LUMOS_GOVERNANCE_OVERRIDES`): each service's domain, environment and targets (`http` is
 * its base URL; the catalogue's services also under the names their runbooks read, `directory` and `mdm`), the
 * estate's domains, approver groups for its teams, and with `drill` the drill settings (deadlines, windows, freeze).
 */
export function governanceOverrides(
  estate: EstateDefinition,
  urls: ServiceUrls,
  options: { drill?: boolean } = {},
): Record<string, unknown> {
  const services: Record<string, { domain: string; environment: string; targets: Record<string, string> }> = {};
  for (const [name, service] of Object.entries(estate.services)) {
    const url = urls[name];
    const targets: Record<string, string> = url ? { http: url } : {};
    if (url && service.kind === 'directory') targets.directory = url;
    if (url && service.kind === 'mdm') targets.mdm = url;
    // The capacity scale-out adds (runbook scale-out reads it): four times the usual replica count, the headroom a
    // service sized for its normal traffic needs to absorb a spike of a few times that traffic.
    if (url) targets.scaleOutReplicas = String(Math.min(50, Math.max(2, service.replicas * 4)));
    services[name] = { domain: service.domain, environment: service.environment ?? estate.environment, targets };
  }
  const approverGroups = Object.fromEntries(Object.entries(estate.teams).map(([name, team]) => [name, team.members]));
  return {
    services,
    domains: estate.governance.domains,
    approverGroups,
    ...(options.drill ? estate.governance.drill : {}),
  };
}

/** The escalation routing agent's teams file (`LUMOS_TEAMS_FILE`, format of catalogue/teams.json). */
export function teamsFile(estate: EstateDefinition): Record<string, unknown> {
  const skills: Record<string, string[]> = {};
  for (const [name, team] of Object.entries(estate.teams)) {
    for (const skill of team.skills) skills[skill] = [...(skills[skill] ?? []), name];
  }
  const people: Record<string, { name: string; ids?: Record<string, string> }> = {};
  const teams: Record<string, unknown> = {};
  for (const [name, team] of Object.entries(estate.teams)) {
    for (const member of team.members) {
      const ids = estate.people[member];
      people[member] = { name: displayName(member), ...(ids ? { ids } : {}) };
    }
    teams[name] = {
      capacity: team.capacity ?? Math.max(4, team.members.length * 3),
      hours: team.hours,
      ...(team.onCall
        ? { onCall: { rotation: { start: '2026-01-05T08:00:00Z', shiftHours: 168, members: team.onCall } } }
        : {}),
    };
  }
  return {
    description:
      'Generated from estate/estate.yaml (npx tsx estate/cli.ts fixtures): who takes over incidents from Lumos, per triage category, with hours and on-call.',
    skills,
    fallbackGroup: 'Service Desk',
    teams,
    people,
  };
}

/** `ana.lima@example.com` -> `Ana Lima`. */
export function displayName(email: string): string {
  return email
    .split('@')[0]!
    .split(/[._-]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join(' ');
}

/** What fixes each kind of trouble a service can have, for the knowledge articles. */
const FAILURE_GUIDE: { when: string; symptoms: string; runbook: string; kinds?: string[] }[] = [
  {
    when: 'A release raises HTTP 5xx',
    symptoms: 'error rate jumps right after a deployment in the change history',
    runbook: 'rollback-deployment',
  },
  {
    when: 'Crash loop (CrashLoopBackOff), hung workers or a memory leak',
    symptoms: 'restarts, requests timing out, OutOfMemoryError',
    runbook: 'restart-service',
  },
  { when: 'Disk full', symptoms: '"No space left on device", writes failing', runbook: 'free-disk' },
  {
    when: 'Connection pool exhausted after a configuration change',
    symptoms: '"Connection is not available" or "too many clients" right after a config change',
    runbook: 'revert-config',
  },
  {
    when: 'Connections saturated by load',
    symptoms: 'pool saturated with no config change, traffic above normal',
    runbook: 'scale-out',
  },
  {
    when: 'Certificate or credential expiry',
    symptoms: 'TLS handshake failures, "password authentication failed"',
    runbook: 'rotate-certificate',
  },
  {
    when: 'A feature flag breaks requests',
    symptoms: 'errors on the flagged path right after the flag was turned on',
    runbook: 'disable-feature-flag',
  },
  {
    when: 'Database primary down',
    symptoms: 'connections refused by the primary, standby in sync',
    runbook: 'failover-database',
    kinds: ['database'],
  },
];

/** One knowledge article (markdown with the front matter `knowledge/` uses) per estate service. */
export function knowledgeArticles(estate: EstateDefinition, updated = '2026-12-01'): { file: string; text: string }[] {
  return Object.entries(estate.services).map(([name, service]) => {
    const hard = service.dependsOn.filter((d) => HARD_DEPENDENCY_KINDS.has(d.kind)).map((d) => d.id);
    const dependents = Object.entries(estate.services)
      .filter(([, other]) => other.dependsOn.some((d) => d.id === name))
      .map(([other]) => other);
    const guide = FAILURE_GUIDE.filter((g) => !g.kinds || g.kinds.includes(service.kind));
    const flags = Object.keys(service.featureFlags);
    const text = [
      '---',
      `title: ${name} service guide`,
      `category: ${categoryOf(service.kind)}`,
      `services: [${[name, ...service.aliases].join(', ')}]`,
      `keywords: [${[name, ...service.aliases, 'runbook', 'owner', 'on-call'].join(', ')}]`,
      `updated: ${updated}`,
      '---',
      '',
      `# ${name} service guide`,
      '',
      `${service.description} Owned by **${service.team}** (${service.criticality} criticality, domain ${service.domain}).`,
      hard.length > 0
        ? `Depends on ${hard.join(', ')}: when one of them fails, ${name} degrades and its health reason names that dependency; fix the dependency, not ${name}.`
        : `${name} has no hard dependencies inside the estate.`,
      dependents.length > 0 ? `Used by ${dependents.join(', ')}, which degrade when ${name} fails.` : '',
      `Logs: ${service.logFormat} format.${flags.length > 0 ? ` Feature flags: ${flags.join(', ')}.` : ''}`,
      `Check \`GET /health\` (the reason names the failing part) and \`GET /admin/state\` (version, previous version, deploys, disk, memory, connections, certificate, feature flags) before acting, and \`GET /health\` again afterwards.`,
      '',
      '| failure | what you see | runbook |',
      '|---|---|---|',
      ...guide.map((g) => `| ${g.when} | ${g.symptoms} | \`${g.runbook}\` |`),
      '',
    ].join('\n');
    return { file: `${name}.md`, text };
  });
}

function categoryOf(kind: string): string {
  if (kind === 'database') return 'database';
  if (kind === 'network') return 'network';
  if (kind === 'directory') return 'identity';
  if (kind === 'mdm') return 'end-user';
  return 'application';
}
