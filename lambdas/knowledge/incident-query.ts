import type { Incident } from '../core/incident';
import { spellOutIdentifiers } from './identifiers';

/** The parts of an incident a knowledge query is built from. */
export type QueryableIncident = Pick<Incident, 'kind' | 'title' | 'description'> &
  Partial<Pick<Incident, 'service' | 'labels' | 'triage'>>;

/** Longest query handed to the index; beyond this a ticket is telling a story, not describing the fault. */
export const MAX_QUERY_CHARS = 800;

/**
 * Builds the search text for an incident. Alerts are machine text: identifiers are split into words
 * (`ServerCpuTooHigh` -> `Server Cpu Too High`), and values that only identify this occurrence (ids, addresses,
 * numbers, timestamps, threshold boilerplate) are dropped. Tickets are human text: greetings, sign-offs, quoted
 * replies and contact details are dropped. The title leads because both retrievers weigh the opening most; the
 * service and the triage category follow as context.
 */
export function buildIncidentQuery(incident: QueryableIncident): string {
  const clean = incident.kind === 'alert' ? cleanAlertText : cleanTicketText;
  const title = clean(incident.title);
  const description = clean(incident.description ?? '');
  const parts = [title];
  if (description && !sameText(description, title)) parts.push(description);
  const context = [incident.service, incident.triage?.category]
    .filter((entry): entry is string => Boolean(entry && entry !== 'other' && entry !== 'unknown'))
    .map((entry) => spellOutIdentifiers(entry))
    .filter((entry) => !includesWords(parts.join(' '), entry));
  const text = [...parts, ...new Set(context)].map((part) => part.replace(/[.\s]+$/, '')).join('. ');
  return clip(text, MAX_QUERY_CHARS);
}

const ALERT_NOISE: RegExp[] = [
  /\barn:aws[\w-]*:[^\s,;)]+/gi, // ARNs
  /\bhttps?:\/\/\S+/gi, // links
  /\b[\w.+-]+@[\w-]+\.[\w.-]+\b/g, // email addresses
  /\{\{[^}]*\}\}|\$labels\.\w+|\$value\b/g, // unrendered templates
  /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, // UUIDs
  /\b(?:i|vol|sg|subnet|vpc|eni|ami|snap|nat|igw|rtb|acl)-[0-9a-f]{6,}\b/gi, // AWS resource ids
  /\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b/g, // IPv4 (and port)
  /\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?\b/g, // ISO timestamps
  /\b\d{1,2}\/\d{1,2}\/\d{2,4}(?: \d{1,2}:\d{2}(?::\d{2})?)?\b/g, // dd/mm/yy dates
  /\[[^\]]*\d[^\]]*\]/g, // bracketed datapoint lists
  /\([^)]*\b(?:minimum|datapoints?)\b[^)]*\)/gi, // "(minimum 1 datapoint for OK -> ALARM transition)"
  /\b\w+=("[^"]*"|'[^']*'|\S+)/g, // key=value label pairs
  /\b[0-9a-f]{12,}\b/gi, // long hex ids
];

/**
 * Reduces alert text to what it is about. Example: `ServerCpuTooHigh is in ALARM` + `Threshold Crossed: 1 out of the
 * last 1 datapoints [92.4 (01/10/19 13:46:00)] was greater than the threshold (50.0)` becomes
 * `Server Cpu Too High`.
 */
export function cleanAlertText(text: string): string {
  let out = text;
  for (const pattern of ALERT_NOISE) out = out.replace(pattern, ' ');
  out = out
    .replace(/\b(?:is|went|changed) (?:in|into|to) (?:ALARM|OK|INSUFFICIENT_DATA)\b/gi, ' ')
    .replace(/\[(?:FIRING|RESOLVED)(?::\d+)?\]/gi, ' ')
    .replace(/\bThreshold Crossed:?\s*\d+\s+(?:out\s+)?of\s+the\s+last\s+\d+\s+datapoints?\b/gi, ' ')
    .replace(/\b(?:was )?(?:not )?(?:greater|less|lower|higher) than(?: or equal to)? the threshold\b/gi, ' ')
    // Measurements and counts identify this firing, not the fault; HTTP status codes (4xx/5xx) are the exception.
    .replace(/\b(?![45]\d\d\b)\d+(?:\.\d+)?(?:\s*%|\s*(?:ms|s|m|h|d|mb|gb|kb|b)\b|\b)/gi, ' ');
  return spellOutIdentifiers(out)
    .replace(/\s+([.,;:!?])/g, '$1')
    .replace(/[\s,;:]+$/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

const TICKET_NOISE: RegExp[] = [
  /^\s*(?:hi|hello|hey|dear|good (?:morning|afternoon|evening))\b[^\n.!?]{0,40}[,!.:]?\s*$/gim, // greeting line
  /^\s*(?:hi|hello|hey|dear)\b[^,\n]{0,30},\s*/gim, // greeting at the start of a sentence
  /\bhttps?:\/\/\S+/gi,
  /\b[\w.+-]+@[\w-]+\.[\w.-]+\b/g,
  /\+?\d[\d\s().-]{7,}\d/g, // phone numbers
];

/** Drops the parts of a person's message that are not about the problem (greetings, signatures, quoted replies). */
export function cleanTicketText(text: string): string {
  const kept: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (/^\s*(?:--\s*$|_{3,}|-{3,}|On .+ wrote:\s*$|From: )/.test(line)) break; // signature or quoted thread
    if (/^\s*>/.test(line)) continue;
    if (
      /^\s*(?:thanks?|thank you|many thanks|thx|cheers|regards|best|kind regards|best regards|sent from my)\b[^.?!]{0,40}$/i.test(
        line,
      )
    ) {
      break; // a sign-off: the rest is a name and a signature
    }
    kept.push(line);
  }
  let out = kept.join('\n');
  for (const pattern of TICKET_NOISE) out = out.replace(pattern, ' ');
  return out.replace(/\s+/g, ' ').trim();
}

function sameText(a: string, b: string): boolean {
  const norm = (text: string) =>
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, ' ')
      .trim();
  return norm(a) === norm(b);
}

function includesWords(haystack: string, needle: string): boolean {
  const norm = (text: string) =>
    ` ${text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, ' ')
      .trim()} `;
  return norm(haystack).includes(norm(needle));
}

function clip(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const cut = text.slice(0, maxChars);
  const space = cut.lastIndexOf(' ');
  return space > maxChars * 0.6 ? cut.slice(0, space) : cut;
}
