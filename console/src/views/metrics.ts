import { dailyBars, groupedBars, rateBars } from '../charts';
import { h, rerender } from '../dom';
import { duration, percent } from '../format';
import type { OutcomeSummary } from '../types';
import type { AppContext, View } from '../view';
import { errorMessage } from '../widgets';

type Durations = OutcomeSummary['metrics']['mtta'];
type Rates = OutcomeSummary['metrics']['autoResolutionRate'];

function kpi(name: string, stats: Durations, hint: string): HTMLElement {
  return h(
    'li',
    { class: 'kpi' },
    h('span', { class: 'kpi-name' }, name),
    h('span', { class: 'kpi-value' }, duration(stats.all.mean)),
    h(
      'span',
      { class: 'kpi-split' },
      h('span', { class: 'tone-ai-text' }, `AI ${duration(stats.ai.mean)}`),
      ' · ',
      h('span', { class: 'tone-human-text' }, `people ${duration(stats.human.mean)}`),
    ),
    h('span', { class: 'sub' }, `${hint}; p90 ${duration(stats.all.p90)}, n = ${stats.all.count}`),
  );
}

function rateKpi(name: string, stats: Rates): HTMLElement {
  return h(
    'li',
    { class: 'kpi' },
    h('span', { class: 'kpi-name' }, name),
    h('span', { class: 'kpi-value' }, percent(stats.all.rate)),
    h('span', { class: 'sub' }, `${stats.all.numerator} of ${stats.all.denominator}`),
  );
}

function definitions(summary: OutcomeSummary): HTMLElement {
  const names: Record<string, string> = {
    mtta: 'MTTA',
    firstResponse: 'First response',
    mttr: 'MTTR',
    approvalLatency: 'Approval latency',
    autoResolutionRate: 'Auto-resolution rate',
    escalationRate: 'Escalation rate',
    overrideRate: 'Override rate',
    reopenRate: 'Reopen rate',
  };
  return h(
    'details',
    { class: 'definitions' },
    h('summary', {}, 'How each metric is measured'),
    h(
      'dl',
      {},
      Object.entries(summary.metrics).flatMap(([key, metric]) => [
        h('dt', {}, names[key] ?? key),
        h('dd', {}, metric.definition),
      ]),
    ),
  );
}

function render(summary: OutcomeSummary): HTMLElement[] {
  const m = summary.metrics;
  const durationMetrics: [string, Durations][] = [
    ['MTTA', m.mtta],
    ['First response', m.firstResponse],
    ['MTTR', m.mttr],
    ['Approval', m.approvalLatency],
  ];
  const rateMetrics: [string, Rates][] = [
    ['Auto-resolution', m.autoResolutionRate],
    ['Escalation', m.escalationRate],
    ['Override', m.overrideRate],
    ['Reopen', m.reopenRate],
  ];
  return [
    h(
      'p',
      { class: 'sub' },
      `${summary.incidents.total} incidents opened ${new Date(summary.window.from).toLocaleDateString()} – ${new Date(summary.window.to).toLocaleDateString()}: ${summary.incidents.resolved} resolved, ${summary.incidents.open} open, ${summary.incidents.awaitingApproval} awaiting approval, ${summary.slaBreaches} SLA breaches.`,
      summary.incidents.truncated
        ? ' Only the newest incidents were read; older ones in this window are not counted.'
        : '',
    ),
    h(
      'ul',
      { class: 'kpis', 'aria-label': 'Key figures' },
      kpi('MTTA', m.mtta, 'mean'),
      kpi('First response', m.firstResponse, 'mean'),
      kpi('MTTR', m.mttr, 'mean'),
      kpi('Approval latency', m.approvalLatency, 'mean'),
      rateKpi('Auto-resolved', m.autoResolutionRate),
      rateKpi('Escalated', m.escalationRate),
    ),
    h(
      'div',
      { class: 'chart-grid' },
      groupedBars({
        title: 'Mean times, AI and people',
        description:
          'Mean time to acknowledge, to first response, to resolve and to an approval decision, split by who handled it.',
        categories: durationMetrics.map(([name]) => name),
        series: [
          { name: 'AI', tone: 'ai', values: durationMetrics.map(([, s]) => s.ai.mean) },
          { name: 'People', tone: 'human', values: durationMetrics.map(([, s]) => s.human.mean) },
        ],
        format: (n) => duration(n),
      }),
      rateBars({
        title: 'Rates, AI and people',
        description: 'Auto-resolution, escalation, override and reopen rates, each split by who handled it.',
        categories: rateMetrics.map(([name]) => name),
        series: [
          { name: 'AI', tone: 'ai', values: rateMetrics.map(([, s]) => s.ai.rate) },
          { name: 'People', tone: 'human', values: rateMetrics.map(([, s]) => s.human.rate) },
        ],
      }),
      dailyBars({
        title: 'Incidents per day',
        description: 'Incidents resolved each day by AI and by people, and incidents opened (line).',
        days: summary.daily.map((d) => d.date),
        stacked: [
          { name: 'Resolved by AI', tone: 'ai', values: summary.daily.map((d) => d.resolved.ai) },
          { name: 'Resolved by people', tone: 'human', values: summary.daily.map((d) => d.resolved.human) },
        ],
        line: { name: 'Opened', tone: 'neutral', values: summary.daily.map((d) => d.opened) },
      }),
    ),
    definitions(summary),
  ];
}

/** Outcome metrics: key figures and charts, each split by AI and human handling, over a chosen window. */
export async function metricsView(ctx: AppContext): Promise<View> {
  const days = ['7', '30', '90'].includes(ctx.params.get('days') ?? '') ? ctx.params.get('days')! : '30';
  const body = h('div', { class: 'metrics-body' });
  let last = '';
  const load = async () => {
    try {
      const summary = await ctx.api.get<OutcomeSummary>(`/metrics/summary?days=${days}`);
      const fingerprint = JSON.stringify({ ...summary, generatedAt: '' });
      if (fingerprint === last) return;
      last = fingerprint;
      rerender(body, () => render(summary));
    } catch (error) {
      last = '';
      rerender(body, () => errorMessage(error, 'Outcome metrics'));
    }
  };
  const element = h(
    'div',
    { class: 'view metrics-view' },
    h('h1', { tabindex: '-1' }, 'Outcome metrics'),
    h(
      'nav',
      { class: 'chips', 'aria-label': 'Window' },
      ['7', '30', '90'].map((d) =>
        h(
          'a',
          { class: 'chip', href: `#/metrics?days=${d}`, 'aria-current': d === days ? 'page' : undefined },
          `${d} days`,
        ),
      ),
    ),
    body,
  );
  await load();
  return { title: 'Outcome metrics', element, refresh: load };
}
