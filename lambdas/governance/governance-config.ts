import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { load as parseYaml } from 'js-yaml';
import * as z from 'zod';
import { Priority } from '../core/incident';

/** Risk tiers in rising order: low runs autonomously, medium waits for an asynchronous approval, high for a real-time one. */
export const RiskTier = z.enum(['low', 'medium', 'high']);
export type RiskTier = z.infer<typeof RiskTier>;
export const RISK_RANK: Readonly<Record<RiskTier, number>> = { low: 0, medium: 1, high: 2 };

/** How far Lumos may act on its own in a service domain, from proposing only to acting within bounds. */
export const AutonomyLevel = z.enum(['assisted', 'supervised', 'bounded_autonomous']);
export type AutonomyLevel = z.infer<typeof AutonomyLevel>;
export const AUTONOMY_RANK: Readonly<Record<AutonomyLevel, number>> = {
  assisted: 0,
  supervised: 1,
  bounded_autonomous: 2,
};

const seconds = z.number().int().positive();
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:MM (24 h)');
const Weekday = z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);

/** What happens when a tier's approvers do not answer in time. */
const Fallback = z.discriminatedUnion('action', [
  /** The safe default: nothing is executed, on-call is paged and takes over. */
  z.object({ action: z.literal('escalate') }),
  /** The request moves to another approver group (or one person) with a fresh window of its own. */
  z.object({
    action: z.literal('reassign'),
    approverGroup: z.string().min(1),
    timeoutSeconds: seconds,
  }),
]);
export type Fallback = z.infer<typeof Fallback>;

const Tier = z.object({
  /** `none`: runs without a person (policy permitting); `async`: approve when you can; `realtime`: now, with the full reasoning. */
  approval: z.enum(['none', 'async', 'realtime']),
  /** The channel personal approval links go out on. */
  channel: z.enum(['email', 'slack', 'teams', 'page', 'sns']).default('email'),
  /** Distinct approvers needed (N of the group's M members). */
  requiredApprovals: z.number().int().min(1).default(1),
  /** Seconds the first approver group has. */
  timeoutSeconds: seconds.default(600),
  /**
   * A reminder goes out this long before the window closes (at most half the window: a shortened window keeps
   * a meaningful reminder without having to lower this too).
   */
  reminderBeforeSeconds: seconds.default(120),
  /** Longest silence the gate tolerates; the approval timer heartbeats well within it. */
  heartbeatSeconds: seconds.default(300),
  /** `approverGroup` override; by default the incident's assignment group approves. */
  approverGroup: z.string().optional(),
  fallback: Fallback.default({ action: 'escalate' }),
});
export type TierPolicy = z.infer<typeof Tier>;

const ActionType = z.object({
  /** `runbook`: the risk declared by the runbook (its riskiest step). */
  risk: z.union([RiskTier, z.literal('runbook')]),
  /** `ticket`: routing and notes; `review`: a person confirms; `change`: touches a running system. */
  category: z.enum(['ticket', 'review', 'change']),
});

const Service = z.object({
  domain: z.string().min(1),
  environment: z.string().min(1),
  /** Where runbooks reach the service: `{ http: "https://..." }`, SSM targets, etc. Values become runbook parameters. */
  targets: z.record(z.string(), z.string()).default({}),
});
export type ServicePolicy = z.infer<typeof Service>;

const ChangeWindow = z.object({
  days: z.array(Weekday).min(1),
  from: hhmm,
  to: hhmm,
  /** IANA time zone the hours are in. */
  timezone: z.string().default('UTC'),
});
export type ChangeWindow = z.infer<typeof ChangeWindow>;

const Freeze = z.object({
  name: z.string().min(1),
  from: z.iso.datetime({ offset: true }),
  to: z.iso.datetime({ offset: true }),
  environments: z.array(z.string()).min(1),
  /** Service names, or `*` for all. */
  services: z.array(z.string()).default(['*']),
});
export type Freeze = z.infer<typeof Freeze>;

/** The per-priority trigger of the operating model: what happens at a stage besides the resolution clock. */
const SlaTrigger = z.discriminatedUnion('kind', [
  /** No progress (human or executor activity) for `seconds` -> page on-call. */
  z.object({ kind: z.literal('no-progress'), seconds, action: z.literal('notify-on-call') }),
  /** Agent confidence below `below` -> a person reviews before Lumos acts. */
  z.object({ kind: z.literal('low-confidence'), below: z.number().min(0).max(1), action: z.literal('human-review') }),
  /** Triage could not categorise -> route to second line. */
  z.object({ kind: z.literal('uncategorised'), action: z.literal('route-l2') }),
  /** The user asks for a person -> escalate to a human agent. */
  z.object({ kind: z.literal('person-requested'), action: z.literal('escalate') }),
]);
export type SlaTrigger = z.infer<typeof SlaTrigger>;

const SlaStage = z.object({ resolveSeconds: seconds, trigger: SlaTrigger.optional() });
export type SlaStage = z.infer<typeof SlaStage>;

/** Everything governance decides with, as data: `policies/governance.yaml`, merged with per-stage overrides. */
export const GovernanceConfig = z.object({
  actionTypes: z.record(z.string(), ActionType),
  tiers: z.object({ low: Tier, medium: Tier, high: Tier }),
  /** Approver group -> members (the identities approval links are bound to). */
  approverGroups: z.record(z.string(), z.array(z.string().min(1))),
  /** Approves when the incident's own group has no roster here. */
  defaultApproverGroup: z.string(),
  onCall: z.object({ recipient: z.string(), channel: z.enum(['page', 'sns', 'slack']).default('page') }),
  routing: z.object({
    l2Group: z.string(),
    humanGroup: z.string(),
    /**
     * Where Lumos opens a ticket for an incident an alarm opened (it has none): the first rule whose services or
     * domains include the incident's (an empty list matches any) names the ITSM tool. No rule, no ticket.
     */
    alarmTickets: z
      .array(
        z.object({
          itsm: z.enum(['servicenow', 'jira', 'zendesk']),
          services: z.array(z.string()).default([]),
          domains: z.array(z.string()).default([]),
          /** Jira: the project key. */
          project: z.string().optional(),
          /** Jira: the issue type. */
          issueType: z.string().optional(),
        }),
      )
      .default([]),
  }),
  services: z.record(z.string(), Service),
  defaultService: Service,
  domains: z.record(z.string(), z.object({ autonomy: AutonomyLevel })),
  defaultAutonomy: AutonomyLevel,
  /** When changes may run without a person, per environment; an environment not listed has no window (always a person). */
  changeWindows: z.record(z.string(), z.array(ChangeWindow)),
  freezes: z.array(Freeze),
  confidence: z.object({
    /** Below this, no change runs without a person, whatever its tier. */
    autonomousMin: z.number().min(0).max(1),
    /** Below this, a person reviews triage before Lumos acts (the P2 trigger may raise it per priority). */
    reviewBelow: z.number().min(0).max(1),
  }),
  /** Priorities whose plans a person confirms in real time. */
  realtimeReviewPriorities: z.array(Priority),
  sla: z.record(Priority, SlaStage),
});
export type GovernanceConfig = z.infer<typeof GovernanceConfig>;

export class GovernanceConfigError extends Error {
  override readonly name = 'GovernanceConfigError';
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => !!value && typeof value === 'object' && !Array.isArray(value);

/** Objects merge key by key, anything else (arrays included) replaces: an override can empty a list. */
export function deepMerge(base: unknown, override: unknown): unknown {
  if (!isObject(base) || !isObject(override)) return override === undefined ? base : override;
  const merged: Json = { ...base };
  for (const [key, value] of Object.entries(override)) merged[key] = deepMerge(base[key], value);
  return merged;
}

/** Where policies and runbooks live: `LUMOS_POLICY_DIR`/`LUMOS_RUNBOOK_DIR`, else the project's own folders. */
export function governanceDirectory(kind: 'policies' | 'runbooks', env: NodeJS.ProcessEnv = process.env): string {
  const explicit = kind === 'policies' ? env.LUMOS_POLICY_DIR : env.LUMOS_RUNBOOK_DIR;
  if (explicit) return resolve(explicit);
  // In a bundle __dirname may not exist (ESM); the stack then sets the variables above.
  const candidates = [
    typeof __dirname === 'string' ? resolve(__dirname, '..', '..', kind) : undefined,
    resolve(process.cwd(), kind),
  ].filter((dir): dir is string => !!dir);
  return candidates.find((dir) => existsSync(dir)) ?? candidates[candidates.length - 1]!;
}

/**
 * Reads `governance.yaml` from the policy directory, merges `overrides` (per stage or test: the stack passes
 * `LUMOS_GOVERNANCE_OVERRIDES` as JSON) and validates the result, naming every offending field.
 */
export function loadGovernanceConfig(options: { dir?: string; overrides?: unknown } = {}): GovernanceConfig {
  const dir = options.dir ?? governanceDirectory('policies');
  const file = join(dir, 'governance.yaml');
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new GovernanceConfigError(`cannot read ${file}: ${(error as Error).message}`);
  }
  const parsed = GovernanceConfig.safeParse(deepMerge(raw, options.overrides));
  if (!parsed.success) throw new GovernanceConfigError(`${file} is invalid:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

function overridesFromEnv(env: NodeJS.ProcessEnv): unknown {
  const text = env.LUMOS_GOVERNANCE_OVERRIDES;
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new GovernanceConfigError(`LUMOS_GOVERNANCE_OVERRIDES is not JSON: ${(error as Error).message}`);
  }
}

let cached: GovernanceConfig | undefined;

/** The process-wide configuration, loaded once (a Lambda container or the local runtime). */
export function governanceConfig(): GovernanceConfig {
  cached ??= loadGovernanceConfig({ overrides: overridesFromEnv(process.env) });
  return cached;
}

/** Forgets the loaded configuration (tests). */
export function resetGovernanceConfig(): void {
  cached = undefined;
}

/** The service a name refers to, or the default one. */
export function serviceOf(config: GovernanceConfig, name: string | undefined): ServicePolicy & { name: string } {
  const known = name ? config.services[name] : undefined;
  return { name: name ?? 'unknown', ...(known ?? config.defaultService) };
}

/** The autonomy level of a service's domain. */
export function autonomyOf(config: GovernanceConfig, domain: string): AutonomyLevel {
  return config.domains[domain]?.autonomy ?? config.defaultAutonomy;
}

/** Members of an approver group (empty when it has no roster). */
export function membersOf(config: GovernanceConfig, group: string): string[] {
  return config.approverGroups[group] ?? [];
}
