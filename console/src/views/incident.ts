import { ApiError } from '../api';
import { blastRadiusSvg } from '../blast-radius';
import { sparkline } from '../charts';
import { type Child, empty, h, rerender, section } from '../dom';
import { dateTime, duration, label, shortId, sourceName, timeOfDay } from '../format';
import type {
  AuditRecordsView,
  AuditVerificationView,
  DependencyView,
  DiagnosisView,
  Incident,
  LogAnalysisView,
  PlanView,
  SentimentView,
  TimelineEntry,
} from '../types';
import type { AppContext, View } from '../view';
import { actorBadge, actorKind, confidenceMeter, errorMessage, priorityBadge, slaClock, statusBadge } from '../widgets';

type Agents = Record<string, unknown>;

/** An agent's result, or a line saying why there is none (not run yet, skipped, failed). */
function agentState(
  result: { status?: string; reason?: string; error?: string; message?: string } | undefined,
  agent: string,
): Child | undefined {
  if (!result) return empty(`The ${agent} agent has not reported on this incident.`);
  if (result.status === 'failed')
    return h(
      'p',
      { class: 'notice error' },
      `The ${agent} agent failed: ${result.error ?? ''} ${result.message ?? ''}`.trim(),
    );
  if (result.status === 'skipped') return empty(`Skipped: ${result.reason ?? 'nothing to analyse'}.`);
  return undefined;
}

function triageSection(incident: Incident): HTMLElement {
  const triage = incident.triage;
  if (!triage) return section('triage', 'Triage', empty('Not triaged yet.'));
  return section(
    'triage',
    'Triage',
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Priority'),
      h(
        'dd',
        {},
        priorityBadge(triage.priority),
        triage.method ? h('span', { class: 'sub' }, ` from ${triage.method}`) : null,
      ),
      h('dt', {}, 'Category'),
      h('dd', {}, label(triage.category)),
      h('dt', {}, 'Assignment group'),
      h('dd', {}, triage.assignmentGroup),
      h('dt', {}, 'Confidence'),
      h('dd', {}, confidenceMeter(triage.confidence, 'Triage confidence')),
    ),
    h('h3', {}, 'Rationale'),
    h('p', { class: 'rationale' }, triage.rationale),
    triage.reasons?.length
      ? h(
          'ul',
          { class: 'reasons' },
          triage.reasons.map((r) => h('li', {}, r)),
        )
      : null,
  );
}

/** Turns `[2]` markers in a text into links to the numbered citation. */
function withCitations(text: string, count: number, focusCitation: (n: number) => void): Child[] {
  const parts: Child[] = [];
  let last = 0;
  for (const match of text.matchAll(/\[(\d+)\]/g)) {
    const n = Number(match[1]);
    if (n < 1 || n > count) continue;
    parts.push(text.slice(last, match.index));
    parts.push(
      h(
        'a',
        {
          href: `#cite-${n}`,
          class: 'cite',
          'aria-label': `source ${n}`,
          onclick: (event: Event) => {
            event.preventDefault();
            focusCitation(n);
          },
        },
        `[${n}]`,
      ),
    );
    last = (match.index ?? 0) + match[0].length;
  }
  parts.push(text.slice(last));
  return parts;
}

function knowledgeSection(incident: Incident): HTMLElement {
  const knowledge = incident.knowledge;
  if (!knowledge || knowledge.articles.length === 0) {
    return section(
      'knowledge',
      'Knowledge',
      empty(knowledge ? 'No matching articles or runbooks.' : 'Knowledge has not been searched yet.'),
    );
  }
  const list = h(
    'ol',
    { class: 'citations' },
    knowledge.articles.map((article, i) =>
      h(
        'li',
        { id: `cite-${i + 1}`, tabindex: '-1' },
        h('span', { class: 'cite-number' }, `[${i + 1}]`),
        h('strong', {}, article.title),
        ' ',
        h('code', { class: 'source', title: 'Article id (path in the knowledge base)' }, article.articleId),
        h(
          'span',
          { class: 'sub' },
          ` relevance ${article.score.toFixed(2)}${article.updatedAt ? `, updated ${dateTime(article.updatedAt)}` : ''}`,
        ),
        article.snippet ? h('blockquote', { cite: article.articleId }, article.snippet) : null,
      ),
    ),
  );
  const focusCitation = (n: number) => {
    const target = list.querySelector<HTMLElement>(`#cite-${n}`);
    target?.scrollIntoView({ block: 'nearest' });
    target?.focus();
  };
  return section(
    'knowledge',
    'Knowledge',
    knowledge.suggestedResolution
      ? h(
          'div',
          { class: 'suggestion' },
          h('h3', {}, 'Suggested resolution'),
          h('p', {}, withCitations(knowledge.suggestedResolution, knowledge.articles.length, focusCitation)),
        )
      : null,
    h('h3', {}, 'Sources'),
    list,
    h('p', { class: 'sub' }, `Query: “${knowledge.query}”`),
  );
}

/** The diagnosis: each hypothesis with its confidence, the evidence it cites, and what would confirm or rule it out. */
function diagnosisSection(agents: Agents): HTMLElement {
  const result = agents.diagnosis as DiagnosisView | undefined;
  const state = agentState(result, 'diagnosis');
  if (state) return section('diagnosis', 'Diagnosis', state);
  const d = result!;
  return section(
    'diagnosis',
    'Diagnosis',
    h('p', {}, d.summary ?? '', ' ', confidenceMeter(d.confidence, 'Diagnosis confidence')),
    h(
      'ol',
      { class: 'hypotheses' },
      (d.hypotheses ?? []).map((hypothesis) =>
        h(
          'li',
          {},
          h('strong', {}, `${label(hypothesis.failureMode)} on ${hypothesis.component}`),
          ' ',
          confidenceMeter(hypothesis.confidence, `Confidence in hypothesis ${hypothesis.rank}`),
          hypothesis.evidence.length
            ? h(
                'ul',
                { class: 'evidence' },
                hypothesis.evidence.map((e) =>
                  h('li', {}, h('span', { class: 'badge' }, label(e.kind)), ` ${e.summary} `, h('code', {}, e.ref)),
                ),
              )
            : h('div', { class: 'sub' }, 'No evidence points here.'),
          hypothesis.confirm.length ? h('div', { class: 'sub' }, `Confirms it: ${hypothesis.confirm.join(' ')}`) : null,
          hypothesis.ruleOut.length
            ? h('div', { class: 'sub' }, `Rules it out: ${hypothesis.ruleOut.join(' ')}`)
            : null,
        ),
      ),
    ),
    h(
      'p',
      { class: 'sub' },
      `Decided by ${d.method ?? 'evidence-scoring'}`,
      d.modelSkipped ? `; the language model was not used (${d.modelSkipped})` : '',
      '.',
    ),
  );
}

function planSection(agents: Agents, incidentId: string): HTMLElement | null {
  const plan = agents.plan as PlanView | undefined;
  const approval = agents.approval as
    | { approvalId?: string; status?: string; expiresAt?: string; decidedBy?: string[] }
    | undefined;
  if (!plan) return null;
  return section(
    'plan',
    'Planned response',
    h(
      'p',
      {},
      `Risk tier ${plan.riskTier ?? '—'}; `,
      plan.requiresApproval ? 'needs a person’s approval.' : 'runs autonomously within policy.',
      approval?.approvalId
        ? h(
            'span',
            {},
            ' Approval ',
            h(
              'a',
              {
                href: `#/approvals/${encodeURIComponent(approval.approvalId)}?incident=${encodeURIComponent(incidentId)}`,
              },
              approval.approvalId,
            ),
            `: ${label(approval.status ?? 'pending')}${approval.decidedBy?.length ? ` by ${approval.decidedBy.join(', ')}` : ''}.`,
          )
        : null,
    ),
    h(
      'ol',
      { class: 'actions' },
      (plan.actions ?? []).map((action) =>
        h(
          'li',
          {},
          h('strong', {}, label(action.type)),
          ` ${action.target} `,
          h('span', { class: `risk risk-${action.risk}` }, `${action.risk} risk`),
          h('div', { class: 'sub' }, action.reason),
          action.runbook
            ? h(
                'code',
                { class: 'block' },
                `runbook ${action.runbook.id} ${JSON.stringify(action.runbook.parameters ?? {})}`,
              )
            : null,
        ),
      ),
    ),
    plan.blocked?.length
      ? h(
          'div',
          {},
          h('h3', {}, 'Refused by policy'),
          h(
            'ul',
            {},
            plan.blocked.map((b) => h('li', {}, `${label(b.type)} ${b.target}: ${b.reason}`)),
          ),
        )
      : null,
    plan.remediation?.why
      ? h(
          'p',
          { class: plan.remediation.personTakesOver ? 'notice warn' : 'sub' },
          plan.remediation.personTakesOver ? `A person takes over: ${plan.remediation.why}` : plan.remediation.why,
        )
      : null,
    plan.rationale ? h('p', { class: 'rationale' }, plan.rationale) : null,
  );
}

function sentimentSection(agents: Agents): HTMLElement {
  const result = agents.sentiment as SentimentView | undefined;
  const state = agentState(result, 'sentiment');
  if (state) return section('sentiment', 'Sentiment trend', state);
  const comments = result!.comments ?? [];
  return section(
    'sentiment',
    'Sentiment trend',
    comments.length
      ? sparkline(
          comments.map((c) => c.score),
          `Sentiment of ${comments.length} comments, from ${comments[0]!.score.toFixed(2)} to ${comments[comments.length - 1]!.score.toFixed(2)}`,
        )
      : null,
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Now'),
      h('dd', {}, result!.current?.toFixed(2) ?? '—'),
      h('dt', {}, 'Average'),
      h('dd', {}, result!.average?.toFixed(2) ?? '—'),
      h('dt', {}, 'Trend'),
      h(
        'dd',
        {},
        h('span', { class: `trend trend-${result!.trendLabel ?? 'stable'}` }, label(result!.trendLabel ?? 'stable')),
      ),
    ),
    result!.escalation?.raised
      ? h(
          'p',
          { class: 'notice warn' },
          `Escalation suggested${result!.escalation.recommendation ? ` (${label(result!.escalation.recommendation)})` : ''}: ${result!.escalation.reasons.join('; ')}`,
        )
      : null,
    result!.summary ? h('p', { class: 'sub' }, result!.summary) : null,
  );
}

function logsSection(agents: Agents): HTMLElement {
  const result = (agents['log-analysis'] ?? agents.logAnalysis) as LogAnalysisView | undefined;
  const state = agentState(result, 'log-analysis');
  if (state) return section('logs', 'Log anomalies', state);
  const anomalies = result!.anomalies ?? [];
  return section(
    'logs',
    'Log anomalies',
    h('p', {}, result!.summary ?? ''),
    h(
      'p',
      { class: 'sub' },
      `${result!.eventCount ?? 0} events in the window, ${result!.baselineEventCount ?? 0} in the baseline`,
      result!.window ? ` (${timeOfDay(result!.window.start)}–${timeOfDay(result!.window.end)})` : '',
      result!.confidence !== undefined ? `; confidence ${Math.round(result!.confidence * 100)} %` : '',
    ),
    anomalies.length
      ? h(
          'table',
          { class: 'compact' },
          h('caption', { class: 'visually-hidden' }, 'Anomalies found in the logs'),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['Kind', 'What', 'Count', 'Baseline', 'Confidence'].map((c) => h('th', { scope: 'col' }, c)),
            ),
          ),
          h(
            'tbody',
            {},
            anomalies.map((a) =>
              h(
                'tr',
                {},
                h('td', {}, label(a.kind)),
                h(
                  'td',
                  {},
                  h('code', {}, a.description),
                  a.example ? h('div', { class: 'sub example' }, a.example) : null,
                ),
                h('td', { class: 'num' }, String(a.count)),
                h('td', { class: 'num' }, String(a.baselineCount)),
                h('td', { class: 'num' }, `${Math.round(a.confidence * 100)} %`),
              ),
            ),
          ),
        )
      : empty('Nothing new or spiking compared with the baseline.'),
  );
}

function blastRadiusSection(agents: Agents): HTMLElement {
  const result = agents.dependency as DependencyView | undefined;
  const state = agentState(result, 'dependency');
  if (state) return section('blast-radius', 'Blast radius', state);
  const r = result!;
  const related = (title: string, list: DependencyView['dependencies']) =>
    h(
      'div',
      {},
      h('h3', {}, title),
      list?.length
        ? h(
            'ul',
            { class: 'related' },
            list.map((c) =>
              h(
                'li',
                {},
                `${c.id}`,
                h(
                  'span',
                  { class: 'sub' },
                  ` ${c.depth} hop${c.depth > 1 ? 's' : ''}${c.owner ? `, ${c.owner}` : ''}${c.criticality ? `, ${c.criticality} criticality` : ''}`,
                ),
              ),
            ),
          )
        : empty('None known.'),
    );
  return section(
    'blast-radius',
    'Blast radius',
    h('p', {}, r.summary ?? ''),
    h(
      'div',
      { class: 'graph-wrap' },
      blastRadiusSvg(
        r,
        `Dependency graph of ${r.service}: ${r.dependencies?.length ?? 0} upstream, ${r.dependents?.length ?? 0} downstream components`,
      ),
    ),
    h('p', { class: 'legend-text sub' }, 'Arrows read “depends on”. Ringed: suspects. Bold: high criticality.'),
    r.suspects?.length
      ? h(
          'div',
          {},
          h('h3', {}, 'Suspects'),
          h(
            'ol',
            {},
            r.suspects.map((s) =>
              h('li', {}, h('strong', {}, s.component), ` score ${s.score.toFixed(2)}: ${s.reasons.join('; ')}`),
            ),
          ),
        )
      : null,
    h(
      'div',
      { class: 'two-col' },
      related('Depends on (upstream)', r.dependencies),
      related('Affected (downstream)', r.dependents),
    ),
    r.changes?.length
      ? h(
          'div',
          {},
          h('h3', {}, 'Recent changes'),
          h(
            'ul',
            {},
            r.changes
              .slice(0, 8)
              .map((c) =>
                h(
                  'li',
                  {},
                  h('time', { datetime: c.at }, dateTime(c.at)),
                  ` ${c.component}: ${c.summary}`,
                  c.by ? h('span', { class: 'sub' }, ` by ${c.by}`) : null,
                ),
              ),
          ),
        )
      : null,
  );
}

function timelineSection(timeline: TimelineEntry[], filter: { kind: string }, redraw: () => void): HTMLElement {
  const shown = timeline
    .map((entry, index) => ({ entry, index }))
    .sort((a, b) => Date.parse(a.entry.at) - Date.parse(b.entry.at) || a.index - b.index)
    .map(({ entry }) => entry)
    .filter((entry) => filter.kind === 'all' || actorKind(entry.actor) === filter.kind);
  const choice = (value: string, text: string) =>
    h(
      'label',
      { class: 'chip' },
      h('input', {
        type: 'radio',
        name: 'timeline-filter',
        value,
        checked: filter.kind === value,
        'data-key': `timeline-${value}`,
        onchange: () => {
          filter.kind = value;
          redraw();
        },
      }),
      text,
    );
  return section(
    'timeline',
    'Timeline',
    h(
      'fieldset',
      { class: 'chips' },
      h('legend', { class: 'visually-hidden' }, 'Show entries by'),
      choice('all', 'Everything'),
      choice('ai', 'AI agents'),
      choice('human', 'People'),
      choice('system', 'System'),
    ),
    shown.length
      ? h(
          'ol',
          { class: 'timeline' },
          shown.map((entry) =>
            h(
              'li',
              { class: `entry entry-${actorKind(entry.actor)}` },
              h('time', { datetime: entry.at, title: dateTime(entry.at) }, timeOfDay(entry.at)),
              actorBadge(entry.actor),
              h('span', { class: 'entry-type' }, entry.type),
              h('p', { class: 'entry-summary' }, entry.summary),
            ),
          ),
        )
      : empty('No entries.'),
  );
}

function slaSection(incident: Incident): HTMLElement {
  const sla = incident.agents.sla as
    | {
        status?: string;
        resolveBy?: string;
        pauses?: { from: string; to?: string; reason: string }[];
        breaches?: { kind: string; at: string }[];
      }
    | undefined;
  return section(
    'sla',
    'SLA',
    h('p', { class: 'sla-big' }, slaClock(incident)),
    sla
      ? h(
          'dl',
          { class: 'facts' },
          h('dt', {}, 'Resolve by'),
          h('dd', {}, dateTime(sla.resolveBy)),
          h('dt', {}, 'Clock'),
          h('dd', {}, label(sla.status ?? 'running')),
          h('dt', {}, 'Pauses'),
          h(
            'dd',
            {},
            sla.pauses?.length
              ? sla.pauses
                  .map(
                    (p) =>
                      `${p.reason} (${p.to ? duration((Date.parse(p.to) - Date.parse(p.from)) / 1000) : 'ongoing'})`,
                  )
                  .join('; ')
              : 'none',
          ),
          h('dt', {}, 'Breaches'),
          h(
            'dd',
            {},
            sla.breaches?.length
              ? sla.breaches.map((b) => `${label(b.kind)} at ${timeOfDay(b.at)}`).join('; ')
              : 'none',
          ),
        )
      : h(
          'p',
          { class: 'sub' },
          `No SLA clock on this incident; showing the default ${incident.priority} target from when it opened.`,
        ),
  );
}

/** Audit verification: runs on open and on demand; the records themselves load when expanded. */
function auditSection(ctx: AppContext, incidentId: string): HTMLElement {
  const result = h(
    'div',
    { class: 'audit-result', 'aria-live': 'polite' },
    h('p', { class: 'sub' }, 'Verifying the audit chain…'),
  );
  const records = h('div', {});
  const verify = async () => {
    rerender(result, () => h('p', { class: 'sub' }, 'Verifying the audit chain…'));
    try {
      const v = await ctx.api.get<AuditVerificationView>(`/incidents/${encodeURIComponent(incidentId)}/audit/verify`);
      rerender(result, () =>
        v.ok
          ? h(
              'p',
              { class: 'verified ok' },
              h('strong', {}, 'Chain intact. '),
              `${v.records} records, each linked to the one before`,
              v.head ? `; head #${v.head.seq} ${v.head.hash.slice(0, 12)}…` : '',
              v.comparedWithExport ? `; ${v.comparedWithExport} matched the write-once export.` : '.',
            )
          : h(
              'div',
              { class: 'verified failed', role: 'alert' },
              h(
                'p',
                {},
                h('strong', {}, 'Tampering detected. '),
                `${v.problems.length} problem(s) in ${v.records} records:`,
              ),
              h(
                'ul',
                {},
                v.problems.map((p) => h('li', {}, `#${p.seq} ${p.kind}: ${p.message}`)),
              ),
            ),
      );
    } catch (error) {
      rerender(result, () => errorMessage(error, 'Audit verification'));
    }
  };
  const details = h(
    'details',
    {
      ontoggle: async () => {
        if (!details.open || records.childElementCount) return;
        try {
          const audit = await ctx.api.get<AuditRecordsView>(`/incidents/${encodeURIComponent(incidentId)}/audit`);
          rerender(records, () =>
            h(
              'ol',
              { class: 'audit-records' },
              audit.records.map((r) =>
                h(
                  'li',
                  {},
                  h('code', {}, `#${r.seq} ${r.hash.slice(0, 10)}`),
                  ` ${r.type} by ${r.actor}: ${r.summary}`,
                ),
              ),
            ),
          );
        } catch (error) {
          rerender(records, () => errorMessage(error, 'The audit trail'));
        }
      },
    },
    h('summary', {}, 'Audit records'),
    records,
  );
  void verify();
  return section(
    'audit',
    'Audit verification',
    result,
    h('button', { type: 'button', onclick: () => void verify() }, 'Verify again'),
    details,
  );
}

/** One incident: triage, knowledge with citations, plan, timeline, agents' findings, SLA and audit. */
export async function incidentView(ctx: AppContext, incidentId: string): Promise<View> {
  const path = `/incidents/${encodeURIComponent(incidentId)}`;
  let incident: Incident;
  try {
    incident = await ctx.api.get<Incident>(path);
  } catch (error) {
    const notFound = error instanceof ApiError && error.status === 404;
    return {
      title: 'Incident not found',
      element: h(
        'div',
        { class: 'view' },
        h('h1', { tabindex: '-1' }, notFound ? 'Incident not found' : 'Incident'),
        notFound ? h('p', {}, `There is no incident ${incidentId}.`) : errorMessage(error, 'The incident'),
        h('p', {}, h('a', { href: '#/incidents' }, 'Back to the queue')),
      ),
    };
  }
  const filter = { kind: 'all' };
  const header = h('div', {});
  const mainColumn = h('div', { class: 'main-column' });
  const sideColumn = h('div', { class: 'side-column' });
  const audit = auditSection(ctx, incidentId);
  let last = '';

  const draw = () => {
    const i = incident;
    rerender(header, () => [
      h('p', { class: 'crumbs' }, h('a', { href: '#/incidents', 'aria-keyshortcuts': 'u' }, '← Incident queue')),
      h('h1', { tabindex: '-1', id: 'incident-title' }, i.title),
      h(
        'p',
        { class: 'meta' },
        priorityBadge(i.triage?.priority ?? i.priority),
        statusBadge(i.status),
        slaClock(i),
        h(
          'span',
          { title: i.externalId },
          i.externalUrl
            ? h(
                'a',
                { href: i.externalUrl, rel: 'noreferrer', target: '_blank' },
                `${sourceName(i.source)} ${shortId(i.externalId)}`,
              )
            : `${sourceName(i.source)} ${shortId(i.externalId)}`,
        ),
        (i.facts?.service ?? i.service)
          ? h(
              'span',
              { title: i.facts?.basis.service ? `from ${i.facts.basis.service}` : '' },
              `Service ${i.facts?.service ?? i.service}`,
            )
          : null,
        i.facts?.owningTeam
          ? h('span', { title: i.facts.basis.owningTeam ?? '' }, `Owner ${i.facts.owningTeam}`)
          : null,
        h('span', {}, 'Opened ', h('time', { datetime: i.createdAt }, dateTime(i.createdAt))),
      ),
      i.description ? h('p', { class: 'description' }, i.description.slice(0, 600)) : null,
    ]);
    rerender(mainColumn, () => [
      triageSection(i),
      diagnosisSection(i.agents),
      knowledgeSection(i),
      planSection(i.agents, i.incidentId),
      timelineSection(i.timeline, filter, draw),
      logsSection(i.agents),
      blastRadiusSection(i.agents),
    ]);
    rerender(sideColumn, () => [slaSection(i), sentimentSection(i.agents), audit]);
  };

  const refresh = async () => {
    const next = await ctx.api.get<Incident>(path);
    const fingerprint = JSON.stringify(next);
    if (fingerprint === last) return;
    last = fingerprint;
    incident = next;
    draw();
  };

  last = JSON.stringify(incident);
  draw();
  const element = h(
    'article',
    { class: 'view incident-view', 'aria-labelledby': 'incident-title' },
    header,
    h('div', { class: 'columns' }, mainColumn, h('aside', { 'aria-label': 'SLA, sentiment and audit' }, sideColumn)),
  );
  return { title: incident.title, element, refresh };
}
