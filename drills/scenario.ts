import { readdirSync, readFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { FaultSpec } from '../estate/faults';

/**
 * The drill scenario format (YAML or JSON files; documented in docs/drills.md). A scenario says what breaks and
 * when, which tickets people open, how the operator behaves, and what a good outcome is. Expectations come from
 * the scenario's own logic (which component really failed and what fixes it), never from what Lumos does today.
 */

/** A scenario file is not valid; the message names the file and every offending field. */
export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
}

/** Seconds after the scenario starts: a number or `"30s"` / `"2m"`. */
const Offset = z.union([
  z.number().min(0),
  z
    .string()
    .regex(/^\d+(\.\d+)?(s|m)$/, 'an offset like 30s or 2m')
    .transform((text) => Number(text.slice(0, -1)) * (text.endsWith('m') ? 60 : 1)),
]);

/** The outcome contract's failure modes: the one list the diagnosis and the runbooks' `remediates` use. */
import { FailureMode } from '../lambdas/governance/runbooks/failure-modes';

export { FAILURE_MODES, FailureMode } from '../lambdas/governance/runbooks/failure-modes';

export const RUNBOOK_IDS = [
  'restart-service',
  'rollback-deployment',
  'scale-out',
  'free-disk',
  'rotate-certificate',
  'failover-database',
  'disable-feature-flag',
  'revert-config',
  'reset-password',
  'unlock-account',
  'grant-access',
  'install-software',
] as const;

const Fault = z.object({
  at: Offset.default(0),
  service: z.string().min(1),
  fault: FaultSpec,
});

/** A ticket a person opens, delivered as the ITSM tool's webhook (ServiceNow, Jira or Zendesk). */
const Ticket = z.object({
  at: Offset.default(0),
  source: z.enum(['servicenow', 'jira', 'zendesk']).default('servicenow'),
  title: z.string().min(1),
  description: z.string().default(''),
  /** The requester's account (ServiceNow caller, Jira reporter e-mail, Zendesk requester). */
  caller: z.string().min(1),
  /** ITIL impact and urgency 1-3 (ServiceNow), mapped to the vendor's priority for the others. */
  impact: z.number().int().min(1).max(3).default(3),
  urgency: z.number().int().min(1).max(3).default(3),
  /** The configuration item (ServiceNow `cmdb_ci`). */
  ci: z.string().optional(),
  category: z.string().optional(),
  /** `incident` or `request` (ServiceNow sys_class / Jira issue type / Zendesk type). */
  type: z.enum(['incident', 'request']).default('incident'),
  /** Later comments by the requester (sentiment), each after the given offset from the ticket. */
  comments: z.array(z.object({ after: Offset.default(0), text: z.string().min(1) })).default([]),
});
export type ScenarioTicket = z.infer<typeof Ticket>;

/** What the scripted operator does with approval requests, in order (the last step repeats). */
const OperatorStep = z.object({
  decide: z.enum(['approve', 'reject', 'ignore']),
  /** Seconds to wait after the request arrives before deciding. @default 2 */
  after: Offset.default(2),
  comment: z.string().default('decided by the drill operator'),
});

const Expectation = z.object({
  /** Which incident is scored: the one a ticket opened, or the first one an alarm opened on `service`. */
  incident: z.enum(['ticket', 'alarm']).optional(),
  /** The service the incident is about (what users or the alarm name). */
  service: z.string().min(1),
  /** The component that really failed and how (the outcome contract's failure modes). */
  rootCause: z
    .object({
      component: z.string().min(1),
      /** One mode, or the modes that are all right (a config change that exhausts a pool). Omitted: component only. */
      failureMode: z.union([FailureMode, z.array(FailureMode).min(1)]).optional(),
    })
    .optional(),
  owningTeam: z.string().min(1),
  /** The runbook that fixes it; `person` when no runbook should run and a person takes over; `none` when nothing
   *  should run and nobody is needed (it healed by itself). */
  action: z.union([z.enum(RUNBOOK_IDS), z.literal('person'), z.literal('none')]),
  /** The gate the plan should pass (risk tier and whether a person approves; tier omitted: only approval). */
  gate: z.object({ tier: z.enum(['low', 'medium', 'high']).optional(), approval: z.boolean() }).optional(),
  /** At most this many incidents for the scenario's signals (a ticket and an alarm about one outage: 1). */
  maxIncidents: z.number().int().min(1).optional(),
  /** mitigated: Lumos acted and the estate is verified healthy; handed-to-person: a person takes over with a packet;
   *  self-recovered: it healed by itself and Lumos says so; fulfilled: a catalogue request done and checked. */
  endState: z.enum(['mitigated', 'handed-to-person', 'self-recovered', 'fulfilled']),
  /** Estate facts that must hold at the end (fulfilled requests). */
  estate: z
    .array(
      z.discriminatedUnion('check', [
        z.object({ check: z.literal('password-reset'), user: z.string() }),
        z.object({ check: z.literal('unlocked'), user: z.string() }),
        z.object({ check: z.literal('in-group'), user: z.string(), group: z.string() }),
        z.object({ check: z.literal('not-in-group'), user: z.string(), group: z.string() }),
        z.object({ check: z.literal('software'), device: z.string(), package: z.string() }),
        z.object({ check: z.literal('healthy'), service: z.string() }),
        z.object({ check: z.literal('unchanged'), service: z.string() }),
        z.object({ check: z.literal('certificate-valid'), service: z.string(), minDays: z.number().default(14) }),
      ]),
    )
    .default([]),
  budgets: z
    .object({
      firstResponseSeconds: z.number().positive().default(90),
      mitigationSeconds: z.number().positive().default(300),
    })
    .prefault({}),
});
export type ScenarioExpectation = z.infer<typeof Expectation>;

export const Scenario = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case words joined by hyphens'),
  title: z.string().min(1),
  description: z.string().default(''),
  /** Which agents and governance paths the scenario exercises (for coverage, not scoring). */
  covers: z.array(z.string()).default([]),
  /** Part of the fast subset CI runs. */
  fast: z.boolean().default(false),
  faults: z.array(Fault).default([]),
  tickets: z.array(Ticket).default([]),
  operator: z.array(OperatorStep).default([]),
  expect: Expectation,
  /** Longest the scenario may take before it is scored as it stands. @default 240 */
  timeoutSeconds: z.number().positive().default(240),
});
export type Scenario = z.infer<typeof Scenario>;

/** Parses one scenario file's text. */
export function parseScenario(text: string, file: string): Scenario {
  let raw: unknown;
  try {
    raw = extname(file) === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new ScenarioError(`${file}: not ${extname(file) === '.json' ? 'JSON' : 'YAML'}: ${(error as Error).message}`);
  }
  const parsed = Scenario.safeParse(raw);
  if (!parsed.success) throw new ScenarioError(`${file} is invalid:\n${z.prettifyError(parsed.error)}`);
  if (parsed.data.faults.length === 0 && parsed.data.tickets.length === 0)
    throw new ScenarioError(`${file}: a scenario needs at least one fault or ticket`);
  return parsed.data;
}

/** Loads every `.yaml`, `.yml` and `.json` scenario in a folder, sorted by file name; names must be unique. */
export function loadScenarios(dir: string): Scenario[] {
  const files = readdirSync(dir)
    .filter((f) => ['.yaml', '.yml', '.json'].includes(extname(f)))
    .sort();
  const scenarios = files.map((file) => parseScenario(readFileSync(join(dir, file), 'utf8'), file));
  const seen = new Map<string, string>();
  scenarios.forEach((scenario, i) => {
    const other = seen.get(scenario.name);
    if (other) throw new ScenarioError(`${files[i]}: scenario name '${scenario.name}' is already used by ${other}`);
    seen.set(scenario.name, basename(files[i]!));
  });
  return scenarios;
}

/** Checks the names a scenario uses against the estate (services, teams), naming what does not exist. */
export function checkAgainstEstate(
  scenario: Scenario,
  estate: { services: Record<string, unknown>; teams: Record<string, unknown>; components?: { id: string }[] },
): string[] {
  const problems: string[] = [];
  const components = new Set([...Object.keys(estate.services), ...(estate.components ?? []).map((c) => c.id)]);
  for (const fault of scenario.faults)
    if (!estate.services[fault.service]) problems.push(`fault on unknown service '${fault.service}'`);
  if (!components.has(scenario.expect.service))
    problems.push(`expect.service '${scenario.expect.service}' is not in the estate`);
  if (scenario.expect.rootCause && !components.has(scenario.expect.rootCause.component))
    problems.push(`expect.rootCause.component '${scenario.expect.rootCause.component}' is not in the estate`);
  if (!estate.teams[scenario.expect.owningTeam])
    problems.push(`expect.owningTeam '${scenario.expect.owningTeam}' is not an estate team`);
  return problems;
}
