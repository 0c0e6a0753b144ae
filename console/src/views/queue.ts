import { h, rerender } from '../dom';
import { ago, dateTime, label, shortId, sourceName } from '../format';
import { readClock } from '../sla';
import type { Incident } from '../types';
import type { AppContext, View } from '../view';
import { errorMessage, priorityBadge, slaClock, statusBadge } from '../widgets';

const OPEN = (i: Incident) => i.status !== 'resolved' && i.status !== 'closed';
const STATUSES = [
  'new',
  'triaging',
  'triaged',
  'awaiting_approval',
  'in_progress',
  'escalated',
  'needs_human',
  'resolved',
  'closed',
];

interface Filters {
  status: string;
  priority: string;
  text: string;
}

/** Most urgent first: priority, then the SLA time left. */
function byUrgency(now: number) {
  return (a: Incident, b: Incident) =>
    a.priority.localeCompare(b.priority) || readClock(a, now).remaining - readClock(b, now).remaining;
}

function matches(incident: Incident, filters: Filters): boolean {
  if (filters.status === 'open' && !OPEN(incident)) return false;
  if (filters.status !== 'open' && filters.status !== 'all' && incident.status !== filters.status) return false;
  if (filters.priority && incident.priority !== filters.priority) return false;
  const text = filters.text.trim().toLowerCase();
  if (!text) return true;
  return [incident.title, incident.externalId, incident.service, incident.triage?.assignmentGroup, incident.incidentId]
    .filter(Boolean)
    .some((value) => String(value).toLowerCase().includes(text));
}

function summaryTiles(incidents: Incident[], now: number): HTMLElement {
  const open = incidents.filter(OPEN);
  const count = (p: string) => open.filter((i) => i.priority === p).length;
  const breached = open.filter((i) => readClock(i, now).state === 'breached').length;
  const waiting = open.filter((i) => i.status === 'awaiting_approval').length;
  const tile = (value: number, name: string, tone = '') =>
    h(
      'li',
      { class: `tile ${tone}` },
      h('span', { class: 'tile-value' }, String(value)),
      h('span', { class: 'tile-label' }, name),
    );
  return h(
    'ul',
    { class: 'tiles', 'aria-label': 'Open incidents at a glance' },
    tile(open.length, 'open'),
    tile(count('P1'), 'P1 open', count('P1') ? 'tone-p1' : ''),
    tile(count('P2'), 'P2 open', count('P2') ? 'tone-p2' : ''),
    tile(breached, 'SLA breached', breached ? 'tone-breached' : ''),
    h(
      'li',
      { class: `tile ${waiting ? 'tone-waiting' : ''}` },
      h(
        'a',
        { href: '#/approvals' },
        h('span', { class: 'tile-value' }, String(waiting)),
        h('span', { class: 'tile-label' }, 'awaiting approval'),
      ),
    ),
  );
}

function table(incidents: Incident[]): HTMLElement {
  if (incidents.length === 0) return h('p', { class: 'empty' }, 'No incidents match these filters.');
  return h(
    'table',
    { class: 'queue' },
    h('caption', { class: 'visually-hidden' }, 'Incidents, most urgent first'),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['Priority', 'SLA', 'Incident', 'Service', 'Status', 'Assigned to', 'Opened'].map((name) =>
          h('th', { scope: 'col' }, name),
        ),
      ),
    ),
    h(
      'tbody',
      {},
      incidents.map((incident) =>
        h(
          'tr',
          { class: `row priority-row-${incident.priority.toLowerCase()}` },
          h('td', {}, priorityBadge(incident.priority)),
          h('td', {}, slaClock(incident)),
          h(
            'th',
            { scope: 'row' },
            h(
              'a',
              {
                href: `#/incidents/${encodeURIComponent(incident.incidentId)}`,
                'data-key': incident.incidentId,
                'data-nav-item': '',
              },
              incident.title,
            ),
            h(
              'span',
              { class: 'sub', title: incident.externalId },
              `${sourceName(incident.source)} ${shortId(incident.externalId)}`,
            ),
          ),
          h('td', {}, incident.service ?? '—'),
          h('td', {}, statusBadge(incident.status)),
          h('td', {}, incident.triage?.assignmentGroup ?? '—'),
          h(
            'td',
            {},
            h('time', { datetime: incident.createdAt, title: dateTime(incident.createdAt) }, ago(incident.createdAt)),
          ),
        ),
      ),
    ),
  );
}

/** The incident queue: open incidents by urgency with live SLA clocks; filters for status, priority and text. */
export async function queueView(ctx: AppContext): Promise<View> {
  const filters: Filters = {
    status: ctx.params.get('status') ?? 'open',
    priority: ctx.params.get('priority') ?? '',
    text: ctx.params.get('q') ?? '',
  };
  let incidents: Incident[] = [];
  let failure: unknown;
  const results = h('div', { class: 'results' });
  const tiles = h('div', {});

  const draw = () => {
    const now = Date.now();
    rerender(tiles, () => summaryTiles(incidents, now));
    const shown = incidents.filter((i) => matches(i, filters)).sort(byUrgency(now));
    rerender(results, () => [
      failure ? errorMessage(failure, 'The incident list') : null,
      h('p', { class: 'result-count', 'aria-live': 'polite' }, `${shown.length} of ${incidents.length} incidents`),
      table(shown),
    ]);
  };

  const load = async () => {
    try {
      incidents = (await ctx.api.get<{ incidents: Incident[] }>('/incidents?limit=500')).incidents;
      failure = undefined;
    } catch (error) {
      failure = error;
    }
    draw();
  };

  const select = (name: keyof Filters, text: string, options: [string, string][]) =>
    h(
      'label',
      {},
      text,
      h(
        'select',
        {
          name,
          onchange: (event: Event) => {
            filters[name] = (event.target as HTMLSelectElement).value;
            draw();
          },
        },
        options.map(([value, caption]) => h('option', { value, selected: filters[name] === value }, caption)),
      ),
    );

  const element = h(
    'div',
    { class: 'view queue-view' },
    h('h1', { tabindex: '-1' }, 'Incident queue'),
    tiles,
    h(
      'form',
      {
        class: 'filters',
        role: 'search',
        'aria-label': 'Filter incidents',
        onsubmit: (e: Event) => e.preventDefault(),
      },
      select('status', 'Status', [
        ['open', 'Open'],
        ['all', 'All'],
        ...STATUSES.map((s): [string, string] => [s, label(s)]),
      ]),
      select('priority', 'Priority', [
        ['', 'Any'],
        ...['P1', 'P2', 'P3', 'P4', 'P5'].map((p): [string, string] => [p, p]),
      ]),
      h(
        'label',
        { class: 'grow' },
        'Search',
        h('input', {
          type: 'search',
          name: 'q',
          value: filters.text,
          placeholder: 'Title, ticket, service, group',
          'data-filter': '',
          'aria-keyshortcuts': '/',
          oninput: (event: Event) => {
            filters.text = (event.target as HTMLInputElement).value;
            draw();
          },
        }),
      ),
    ),
    results,
  );
  await load();
  return { title: 'Incident queue', element, refresh: load };
}
