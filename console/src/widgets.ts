import { ApiError, ApiUnavailableError } from './api';
import { h } from './dom';
import { clock, dateTime, label } from './format';
import { type ClockReading, readClock } from './sla';
import type { Incident } from './types';

/** Priority as a badge whose colour is never the only cue (the text says it). */
export const priorityBadge = (priority: string) =>
  h('span', { class: `badge priority-${priority.toLowerCase()}`, title: `Priority ${priority}` }, priority);

export const statusBadge = (status: string) => h('span', { class: `status status-${status}` }, label(status));

const STATE_TEXT: Record<ClockReading['state'], string> = {
  ok: 'on track',
  warning: 'due soon',
  breached: 'breached',
  paused: 'paused',
  met: 'met',
  stopped: 'stopped',
};

/**
 * A live SLA clock. Running clocks carry their deadline and are advanced by the console's one-second ticker;
 * the state is spelled out next to the time, so colour is not the only signal.
 */
export function slaClock(
  incident: Pick<Incident, 'priority' | 'status' | 'createdAt' | 'updatedAt' | 'agents'>,
): HTMLElement {
  const reading = readClock(incident, Date.now());
  const running = reading.state === 'ok' || reading.state === 'warning' || reading.state === 'breached';
  const time = reading.state === 'met' || reading.state === 'stopped' ? '' : clock(reading.remaining);
  return h(
    'span',
    {
      class: `sla sla-${reading.state}`,
      title: `${reading.basis === 'default' ? 'Default target' : 'SLA'}: resolve by ${dateTime(reading.deadline)}`,
      ...(running ? { 'data-sla': '', 'data-deadline': reading.deadline } : {}),
      'data-target': String(reading.target),
    },
    h('span', { class: 'sla-time' }, time),
    ' ',
    h('span', { class: 'sla-state' }, STATE_TEXT[reading.state]),
  );
}

/** Advances every running SLA clock on the page; started once by the app. */
export function tickClocks(now = Date.now()): void {
  for (const element of document.querySelectorAll<HTMLElement>('[data-sla][data-deadline]')) {
    const remaining = (Date.parse(element.dataset.deadline!) - now) / 1000;
    const target = Number(element.dataset.target) || 3600;
    const state: ClockReading['state'] = remaining < 0 ? 'breached' : remaining < target / 5 ? 'warning' : 'ok';
    const time = element.querySelector('.sla-time');
    if (time) time.textContent = clock(remaining);
    if (!element.classList.contains(`sla-${state}`)) {
      element.classList.remove('sla-ok', 'sla-warning', 'sla-breached');
      element.classList.add(`sla-${state}`);
      const text = element.querySelector('.sla-state');
      if (text) text.textContent = STATE_TEXT[state];
    }
  }
}

/** A countdown to a plain deadline (approval windows). */
export function countdown(deadline: string): HTMLElement {
  return h(
    'span',
    { class: 'sla sla-ok', 'data-sla': '', 'data-deadline': deadline, 'data-target': '300', title: dateTime(deadline) },
    h('span', { class: 'sla-time' }, clock((Date.parse(deadline) - Date.now()) / 1000)),
    ' ',
    h('span', { class: 'sla-state' }, 'left'),
  );
}

/** Who did something, as the timeline names them: an agent, a person, or the system. */
export function actorKind(actor: string): 'human' | 'system' | 'ai' {
  if (actor.startsWith('human:')) return 'human';
  if (actor === 'system' || actor === 'intake' || actor === 'sla' || actor === 'executor') return 'system';
  return 'ai';
}

export const actorBadge = (actor: string) => {
  const kind = actorKind(actor);
  const name = kind === 'human' ? actor.slice('human:'.length) : actor;
  return h(
    'span',
    { class: `actor actor-${kind}` },
    h('span', { class: 'visually-hidden' }, `${kind === 'ai' ? 'AI agent' : kind}: `),
    name,
  );
};

/** A confidence 0..1 as a meter with its number. */
export const confidenceMeter = (value: number | undefined, name = 'Confidence') =>
  value === undefined
    ? null
    : h(
        'span',
        { class: 'confidence' },
        h('meter', { min: 0, max: 1, low: 0.5, high: 0.8, optimum: 1, value, 'aria-label': name }),
        ` ${Math.round(value * 100)} %`,
      );

/** A failed request as a message the operator can act on. */
export function errorMessage(error: unknown, what: string): HTMLElement {
  if (error instanceof ApiUnavailableError) {
    return h('p', { class: 'notice' }, `${what} is not available in this deployment yet.`);
  }
  const message = error instanceof ApiError ? `${error.message} (${error.status || 'network'})` : String(error);
  return h('p', { class: 'notice error', role: 'alert' }, `Could not load ${what.toLowerCase()}: ${message}`);
}
