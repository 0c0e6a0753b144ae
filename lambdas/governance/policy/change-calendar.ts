import type { ChangeWindow, Freeze, GovernanceConfig } from '../governance-config';

const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

/** Weekday and HH:MM of an instant in a time zone. */
function localTime(at: Date, timeZone: string): { day: string; hhmm: string } {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return { day: get('weekday').toLowerCase().slice(0, 3), hhmm: `${get('hour')}:${get('minute')}` };
}

/** True when `at` falls inside the window (from inclusive, to exclusive; a window may run past midnight). */
export function withinWindow(window: ChangeWindow, at: Date): boolean {
  const { day, hhmm } = localTime(at, window.timezone);
  if (window.from <= window.to) {
    return window.days.includes(day as ChangeWindow['days'][number]) && hhmm >= window.from && hhmm < window.to;
  }
  // Overnight window: the evening belongs to the listed day, the early morning to the day after it.
  const yesterday = WEEKDAYS[(WEEKDAYS.indexOf(day as (typeof WEEKDAYS)[number]) + 6) % 7]!;
  return (
    (window.days.includes(day as ChangeWindow['days'][number]) && hhmm >= window.from) ||
    (window.days.includes(yesterday as ChangeWindow['days'][number]) && hhmm < window.to)
  );
}

/** Whether an environment's change window is open now; an environment without windows never has one open. */
export function changeWindowOpen(config: GovernanceConfig, environment: string, at: Date): boolean {
  return (config.changeWindows[environment] ?? []).some((window) => withinWindow(window, at));
}

/** The freeze covering a service in an environment now, if any. */
export function activeFreeze(
  config: GovernanceConfig,
  service: string,
  environment: string,
  at: Date,
): Freeze | undefined {
  const t = at.getTime();
  return config.freezes.find(
    (freeze) =>
      Date.parse(freeze.from) <= t &&
      t < Date.parse(freeze.to) &&
      freeze.environments.includes(environment) &&
      (freeze.services.includes('*') || freeze.services.includes(service)),
  );
}
