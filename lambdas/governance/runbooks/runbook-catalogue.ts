import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load as parseYaml } from 'js-yaml';
import * as z from 'zod';
import { sha256Hex } from '../../core/ids';
import type { Incident } from '../../core/incident';
import {
  GovernanceConfigError,
  governanceDirectory,
  RISK_RANK,
  type RiskTier,
  type ServicePolicy,
} from '../governance-config';
import { Runbook } from './runbook-schema';

/** A loaded runbook with the hash of its source, which plans and approvals are bound to. */
export interface LoadedRunbook {
  runbook: Runbook;
  /** sha256 of the YAML text: an edited runbook no longer matches an approval given for the old one. */
  version: string;
  file: string;
}

export class RunbookParameterError extends Error {
  override readonly name = 'RunbookParameterError';
}

/** The risk of a runbook: its declared risk, raised to its riskiest step. */
export function runbookRisk(runbook: Runbook): RiskTier {
  const tiers = [runbook.risk ?? 'low', ...runbook.steps.map((s) => s.risk), ...runbook.rollback.map((s) => s.risk)];
  return tiers.reduce((max, tier) => (RISK_RANK[tier] > RISK_RANK[max] ? tier : max), 'low' as RiskTier);
}

/** Every runbook of a directory, validated; one broken file fails the load with its name and the reasons. */
export function loadRunbooks(dir: string = governanceDirectory('runbooks')): Map<string, LoadedRunbook> {
  const runbooks = new Map<string, LoadedRunbook>();
  for (const file of readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()) {
    const text = readFileSync(join(dir, file), 'utf8');
    let raw: unknown;
    try {
      raw = parseYaml(text);
    } catch (error) {
      throw new GovernanceConfigError(`runbook ${file}: ${(error as Error).message}`);
    }
    const parsed = Runbook.safeParse(raw);
    if (!parsed.success) throw new GovernanceConfigError(`runbook ${file}:\n${z.prettifyError(parsed.error)}`);
    if (runbooks.has(parsed.data.id)) throw new GovernanceConfigError(`runbook id '${parsed.data.id}' is used twice`);
    runbooks.set(parsed.data.id, { runbook: parsed.data, version: sha256Hex(text), file });
  }
  return runbooks;
}

let cached: Map<string, LoadedRunbook> | undefined;

/** The process-wide runbook catalogue, loaded once. */
export function runbookCatalogue(): Map<string, LoadedRunbook> {
  cached ??= loadRunbooks();
  return cached;
}

/** Forgets the loaded runbooks (tests). */
export function resetRunbookCatalogue(): void {
  cached = undefined;
}

const mentions = (text: string, term: string) =>
  new RegExp(`(^|[^a-z0-9])${term.toLowerCase().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^a-z0-9])`).test(text);

/**
 * The runbook that fits an incident best, if any: a service match counts 3, the triage category 2, each keyword
 * in the title or description 1. It takes a category or service match plus at least one keyword, so a category
 * alone never runs anything.
 */
export function matchRunbook(
  runbooks: Iterable<LoadedRunbook>,
  incident: Pick<Incident, 'title' | 'description' | 'service' | 'triage'>,
): { loaded: LoadedRunbook; score: number; matched: string[] } | undefined {
  const text = `${incident.title}\n${incident.description}`.toLowerCase();
  let best: { loaded: LoadedRunbook; score: number; matched: string[] } | undefined;
  for (const loaded of runbooks) {
    const { match } = loaded.runbook;
    const byService = !!incident.service && match.services.includes(incident.service);
    const byCategory = !!incident.triage && match.categories.includes(incident.triage.category);
    const keywords = match.keywords.filter((k) => mentions(text, k));
    if (!(byService || byCategory) || keywords.length === 0) continue;
    const score = (byService ? 3 : 0) + (byCategory ? 2 : 0) + keywords.length;
    const matched = [
      ...(byService ? [`service ${incident.service}`] : []),
      ...(byCategory ? [`category ${incident.triage?.category}`] : []),
      ...keywords.map((k) => `'${k}'`),
    ];
    if (!best || score > best.score) best = { loaded, score, matched };
  }
  return best;
}

/**
 * Resolves a runbook's parameters for an incident. Every value must match its declared pattern; a missing
 * required value or a mismatch is a RunbookParameterError (the planner then proposes no runbook). `provided` holds
 * values decided by trusted code (a catalogue item's resolved variables, a change record the diagnosis cites); they
 * win over the declared source and are checked against the same patterns.
 */
export function resolveParameters(
  runbook: Runbook,
  incident: Pick<Incident, 'incidentId' | 'externalId' | 'service' | 'priority'>,
  service: Pick<ServicePolicy, 'targets'>,
  provided: Record<string, string> = {},
): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, parameter] of Object.entries(runbook.parameters)) {
    let value: string | undefined = provided[name];
    if (value === undefined && parameter.from?.startsWith('incident.')) {
      const field = parameter.from.slice('incident.'.length) as 'service' | 'externalId' | 'incidentId' | 'priority';
      value = incident[field];
    } else if (value === undefined && parameter.from?.startsWith('target.')) {
      value = service.targets[parameter.from.slice('target.'.length)];
    }
    value ??= parameter.default;
    if (value === undefined) {
      if (parameter.required)
        throw new RunbookParameterError(`parameter '${name}' has no value (${parameter.from ?? 'no source'})`);
      continue;
    }
    if (!new RegExp(parameter.pattern).test(value)) {
      throw new RunbookParameterError(`parameter '${name}' value '${value}' does not match ${parameter.pattern}`);
    }
    values[name] = value;
  }
  // Generated by intake, never typed by a person: safe in any template.
  values.incidentId = incident.incidentId;
  return values;
}
