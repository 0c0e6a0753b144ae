import { readFileSync } from 'node:fs';
import * as z from 'zod';
import bundled from '../../../catalogue/teams.json';
import { withinWindow } from '../../governance/policy/change-calendar';
import type { TicketPerson } from '../../itsm/ticket';

const Weekday = z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:MM (24 h)');

/** Working hours of a team: when someone is at their desk. */
const Hours = z.object({ days: z.array(Weekday).min(1), from: hhmm, to: hhmm, timezone: z.string().default('UTC') });

/** A rotation: members take shifts of `shiftHours` in turn, counting from `start`. */
const Rotation = z.object({
  start: z.iso.datetime({ offset: true }),
  shiftHours: z.number().positive(),
  members: z.array(z.string().min(1)).min(1),
});

const Team = z.object({
  /** Open incidents the team carries before it counts as over capacity. */
  capacity: z.number().int().positive(),
  hours: Hours.optional(),
  onCall: z
    .object({
      rotation: Rotation.optional(),
      /** PagerDuty schedule whose on-call wins over the rotation when a PagerDuty lookup is configured. */
      pagerDutyScheduleId: z.string().optional(),
    })
    .optional(),
});

const Person = z.object({
  name: z.string().min(1),
  ids: z.object({ servicenow: z.string(), jira: z.string(), zendesk: z.string() }).partial().optional(),
});

/** The routing configuration: `catalogue/teams.json`, or the file `LUMOS_TEAMS_FILE` names. */
export const TeamsConfig = z
  .object({
    description: z.string().optional(),
    /** Triage category -> groups that can take it, most suitable first. */
    skills: z.record(z.string(), z.array(z.string().min(1)).min(1)),
    fallbackGroup: z.string().min(1),
    teams: z.record(z.string(), Team),
    /** People by e-mail. */
    people: z.record(z.string(), Person).default({}),
  })
  .superRefine((config, ctx) => {
    const groups = new Set([...Object.values(config.skills).flat(), config.fallbackGroup]);
    for (const group of groups) {
      if (!config.teams[group])
        ctx.addIssue({ code: 'custom', message: `group '${group}' has no team entry`, path: ['teams'] });
    }
  });
export type TeamsConfig = z.infer<typeof TeamsConfig>;
export type TeamConfig = z.infer<typeof Team>;

export class TeamsConfigError extends Error {
  override readonly name = 'TeamsConfigError';
}

/** Parses and validates a teams configuration, naming every offending field. */
export function parseTeamsConfig(raw: unknown, where = 'teams configuration'): TeamsConfig {
  const parsed = TeamsConfig.safeParse(raw);
  if (!parsed.success) throw new TeamsConfigError(`${where} is invalid:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

let cached: TeamsConfig | undefined;

/** The process's teams: `LUMOS_TEAMS_FILE` if set, else the bundled `catalogue/teams.json`. Loaded once. */
export function teamsConfig(env: NodeJS.ProcessEnv = process.env): TeamsConfig {
  if (!cached) {
    const file = env.LUMOS_TEAMS_FILE?.trim();
    cached = file
      ? parseTeamsConfig(JSON.parse(readFileSync(file, 'utf8')), file)
      : parseTeamsConfig(bundled, 'catalogue/teams.json');
  }
  return cached;
}

/** Forgets the loaded teams (tests). */
export function resetTeamsConfig(): void {
  cached = undefined;
}

/** Whether someone of the team is at work at `at`. Teams without hours are never "at work" (on-call only). */
export function inHours(team: TeamConfig, at: Date): boolean {
  return team.hours ? withinWindow(team.hours, at) : false;
}

/** Who is on call in a rotation at `at`, and until when. */
export function rotationOnCall(rotation: z.infer<typeof Rotation>, at: Date): { member: string; until: string } {
  const start = Date.parse(rotation.start);
  const shift = rotation.shiftHours * 3600_000;
  const index = Math.floor((at.getTime() - start) / shift);
  const member =
    rotation.members[((index % rotation.members.length) + rotation.members.length) % rotation.members.length]!;
  return { member, until: new Date(start + (index + 1) * shift).toISOString() };
}

/** A person as the ITSM connectors address them. */
export function personOf(config: TeamsConfig, email: string): TicketPerson {
  const known = config.people[email];
  return { name: known?.name ?? email, email, ...(known?.ids ? { ids: known.ids } : {}) };
}
