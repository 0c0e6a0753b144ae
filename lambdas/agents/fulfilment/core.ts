export type { FulfilmentResult, FulfilmentStatus } from '../agent-results';

import type { Incident } from '../../core/incident';
import type { FulfilmentResult } from '../agent-results';
import type { CatalogueItem, CatalogueVariable, ServiceCatalogue } from './service-catalogue';

/** Which catalogue item a ticket asks for, and the variable values taken from structured fields and options. */
export interface RequestMatch {
  item: CatalogueItem;
  /** 0..1: a request type plus a phrase is surer than a category plus a phrase. */
  confidence: number;
  phrase: string;
  requestType?: string;
  values: Record<string, string>;
  /** Variables without a value (or whose value fails the pattern), and options named more than once. */
  missing: string[];
  ambiguous: string[];
}

/** The runbook of an item as governance loaded it: risk and version are what the policy and approvals bind to. */
export interface RunbookHandle {
  id: string;
  version: string;
  risk: 'low' | 'medium' | 'high';
}

export interface FulfilmentDeps {
  runbook(id: string): RunbookHandle | undefined;
  /** Runbook parameters: the item's values plus what the runbook takes from the incident or the service's targets. */
  parameters(runbookId: string, values: Record<string, string>, service: string): Record<string, string>;
  /** The policy's verdict on running the runbook now, without a person. */
  evaluate(
    runbook: RunbookHandle,
    service: string,
    confidence: number,
  ): { allowed: boolean; autonomous: boolean; because: string[] };
  /**
   * Runs the runbook once per incident: `interrupted` when an earlier attempt started it and never finished (a person
   * must check what happened before anything runs again).
   */
  runOnce(
    runbookId: string,
    parameters: Record<string, string>,
  ): Promise<{ status: string; summary: string; steps: number } | 'interrupted'>;
}

const URGENT = new Set(['P1', 'P2']);

/** Whether `text` names `phrase` as words (not inside other words). */
export function mentions(text: string, phrase: string): boolean {
  const escaped = phrase
    .toLowerCase()
    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    .replace(/\s+/g, '\\s+');
  return new RegExp(`(^|[^a-z0-9])${escaped}($|[^a-z0-9])`).test(text);
}

function requestTypeOf(incident: Incident, catalogue: ServiceCatalogue): string | undefined {
  const candidates = [
    incident.labels.issueType,
    incident.labels.ticketType,
    incident.labels.category,
    incident.labels.requestType,
  ];
  return candidates.find((value) => value && catalogue.requestTypes.includes(value.trim().toLowerCase()));
}

function resolveVariable(
  incident: Incident,
  variable: CatalogueVariable,
  text: string,
): { value?: string; ambiguous?: boolean } {
  if (variable.from === 'choice') {
    const named = Object.entries(variable.options ?? {})
      .filter(([, words]) => words.some((w) => mentions(text, w)))
      .map(([value]) => value);
    if (named.length > 1) return { ambiguous: true };
    return named[0] ? { value: named[0] } : {};
  }
  const from: string = variable.from;
  const raw =
    from === 'incident.reporter'
      ? incident.reporter
      : from === 'incident.service'
        ? incident.service
        : from === 'incident.externalId'
          ? incident.externalId
          : incident.labels[from.slice('label:'.length)];
  const value = raw?.trim();
  return value && variable.pattern && new RegExp(variable.pattern).test(value) ? { value } : {};
}

/**
 * The catalogue item a ticket asks for, if any. A phrase of the item must appear in the title or description, and
 * the ticket must be a request (its type says so) or sit in one of the item's triage categories; urgent tickets are
 * incidents unless their type says request. Without a request type, every option variable must resolve too, so an
 * incident that merely mentions "install" is not mistaken for a request.
 */
export function matchRequest(incident: Incident, catalogue: ServiceCatalogue): RequestMatch | undefined {
  if (incident.kind !== 'ticket') return undefined;
  const title = incident.title.toLowerCase();
  const text = `${incident.title}\n${incident.description}`.toLowerCase();
  const requestType = requestTypeOf(incident, catalogue);
  const priority = incident.triage?.priority ?? incident.priority;
  if (!requestType && URGENT.has(priority)) return undefined;
  let best: RequestMatch | undefined;
  for (const item of catalogue.items) {
    const phrase =
      item.match.phrases.find((p) => mentions(title, p)) ?? item.match.phrases.find((p) => mentions(text, p));
    if (!phrase) continue;
    const inCategory = !!incident.triage && item.match.categories.includes(incident.triage.category);
    if (!requestType && !inCategory) continue;
    const values: Record<string, string> = {};
    const missing: string[] = [];
    const ambiguous: string[] = [];
    for (const [name, variable] of Object.entries(item.variables)) {
      const resolved = resolveVariable(incident, variable, text);
      if (resolved.value !== undefined) values[name] = resolved.value;
      else if (resolved.ambiguous) ambiguous.push(name);
      else if (variable.required) missing.push(name);
    }
    const unresolvedChoice = Object.entries(item.variables).some(
      ([name, v]) => 'options' in v && values[name] === undefined,
    );
    if (!requestType && unresolvedChoice) continue;
    const confidence = Math.min(0.99, (requestType ? 0.9 : 0.82) + (mentions(title, phrase) ? 0.05 : 0));
    const match: RequestMatch = {
      item,
      confidence,
      phrase,
      ...(requestType ? { requestType } : {}),
      values,
      missing,
      ambiguous,
    };
    const complete = missing.length + ambiguous.length === 0;
    const bestComplete = best && best.missing.length + best.ambiguous.length === 0;
    if (!best || (complete && !bestComplete) || (complete === bestComplete && confidence > best.confidence))
      best = match;
  }
  return best;
}

/** The reply with `{{variable}}` placeholders filled from resolved values. */
export const renderReply = (template: string, values: Record<string, string>): string =>
  template.replace(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g, (_, name: string) => values[name] ?? name);

/**
 * Fulfils a service request end to end: match it to a catalogue item, resolve its variables, find the item's
 * runbook, ask the governance policy whether it may run without a person, and run it (once per incident).
 * Anything short of that is a named status with a reason, which the handoff agent turns into a task for a person.
 */
export async function fulfilRequest(
  incident: Incident,
  catalogue: ServiceCatalogue,
  deps: FulfilmentDeps,
): Promise<FulfilmentResult> {
  const match = matchRequest(incident, catalogue);
  if (!match) return { status: 'not_a_request', summary: 'Not a service catalogue request' };
  const { item } = match;
  const base = {
    itemId: item.id,
    itemTitle: item.title,
    runbookId: item.runbook,
    confidence: match.confidence,
    values: match.values,
  };
  if (match.missing.length || match.ambiguous.length) {
    const parts = [
      ...(match.missing.length ? [`missing ${match.missing.join(', ')}`] : []),
      ...(match.ambiguous.length ? [`more than one ${match.ambiguous.join(', ')} named`] : []),
    ];
    return { ...base, status: 'needs_information', summary: `${item.title}: ${parts.join('; ')}; ask the requester` };
  }
  const runbook = deps.runbook(item.runbook);
  if (!runbook)
    return { ...base, status: 'runbook_missing', summary: `${item.title}: runbook '${item.runbook}' is not installed` };

  let parameters: Record<string, string>;
  try {
    parameters = deps.parameters(item.runbook, match.values, item.service);
  } catch (error) {
    return { ...base, status: 'needs_information', summary: `${item.title}: ${(error as Error).message}` };
  }
  const proposal = { runbookId: item.runbook, version: runbook.version, parameters, service: item.service };
  const verdict = deps.evaluate(runbook, item.service, match.confidence);
  if (!verdict.allowed) {
    return {
      ...base,
      status: 'refused',
      verdict,
      proposal,
      summary: `${item.title}: policy refuses runbook ${item.runbook} (${verdict.because.join('; ') || 'no policy permits it'})`,
    };
  }
  if (!verdict.autonomous) {
    return {
      ...base,
      status: 'needs_approval',
      verdict,
      proposal,
      summary: `${item.title}: runbook ${item.runbook} (${runbook.risk} risk) needs a person's approval (${verdict.because.join('; ') || 'not permitted to run alone'})`,
    };
  }
  const run = await deps.runOnce(item.runbook, parameters);
  if (run === 'interrupted') {
    return {
      ...base,
      status: 'interrupted',
      verdict,
      proposal,
      summary: `${item.title}: an earlier attempt started runbook ${item.runbook} and never finished; check before running it again`,
    };
  }
  if (run.status !== 'succeeded') {
    return {
      ...base,
      status: 'failed',
      verdict,
      proposal,
      run,
      summary: `${item.title}: runbook ${item.runbook} ${run.status}: ${run.summary}`,
    };
  }
  return {
    ...base,
    status: 'fulfilled',
    verdict,
    proposal,
    run,
    reply: renderReply(item.reply, match.values),
    summary: `${item.title} fulfilled by runbook ${item.runbook}: ${run.summary}`,
  };
}
