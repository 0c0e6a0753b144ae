/** Formats a duration in seconds for people: `45 s`, `12 min`, `3 h 05 min`, `2 d 4 h`. */
export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return '—';
  if (Math.abs(seconds) < 10 && !Number.isInteger(seconds)) return `${Math.abs(seconds).toFixed(1)} s`;
  const s = Math.round(Math.abs(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 && s < 600 ? ` ${s % 60} s` : ''}`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
}

/** A countdown clock: `1:04:09`, `09:59`; negative values get a leading minus. */
export function clock(seconds: number): string {
  const sign = seconds < 0 ? '−' : '';
  const s = Math.floor(Math.abs(seconds));
  const hh = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return hh > 0 ? `${sign}${hh}:${mm}:${ss}` : `${sign}${mm}:${ss}`;
}

/** `0.667` -> `66.7 %`; null -> `—`. */
export function percent(rate: number | null | undefined, digits = 1): string {
  if (rate === null || rate === undefined) return '—';
  return `${(rate * 100).toFixed(digits)} %`;
}

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

/** `3 minutes ago`, `in 2 hours`. */
export function ago(iso: string | undefined, now = Date.now()): string {
  if (!iso) return '—';
  const seconds = (Date.parse(iso) - now) / 1000;
  const abs = Math.abs(seconds);
  if (abs < 60) return relative.format(Math.round(seconds), 'second');
  if (abs < 3600) return relative.format(Math.round(seconds / 60), 'minute');
  if (abs < 86_400) return relative.format(Math.round(seconds / 3600), 'hour');
  return relative.format(Math.round(seconds / 86_400), 'day');
}

const timeFormat = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'medium' });
const shortTime = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });

/** Local date and time. */
export const dateTime = (iso: string | undefined) => (iso ? timeFormat.format(new Date(iso)) : '—');
/** Local time of day. */
export const timeOfDay = (iso: string) => shortTime.format(new Date(iso));

/** `restart-service` -> `Restart service`; `awaiting_approval` -> `Awaiting approval`. */
export function label(value: string): string {
  const spaced = value
    .replace(/[_-]+/g, ' ')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .trim();
  return spaced.charAt(0).toUpperCase() + spaced.slice(1).toLowerCase();
}

const SOURCE_NAMES: Record<string, string> = {
  servicenow: 'ServiceNow',
  jira: 'Jira',
  zendesk: 'Zendesk',
  pagerduty: 'PagerDuty',
  alertmanager: 'Alertmanager',
  grafana: 'Grafana',
  cloudwatch: 'CloudWatch',
  generic: 'Generic',
};

/** The source's own spelling of its name. */
export const sourceName = (source: string) => SOURCE_NAMES[source] ?? label(source);

/** Long external ids (CloudWatch alarm ARNs) shortened to their last meaningful part. */
export function shortId(id: string): string {
  if (id.startsWith('arn:')) return id.slice(id.lastIndexOf(':') + 1);
  return id.length > 40 ? `${id.slice(0, 18)}…${id.slice(-18)}` : id;
}
