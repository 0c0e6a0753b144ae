import { ApiError } from '../api';
import { announce, type Child, empty, h, rerender } from '../dom';
import { dateTime, label, percent } from '../format';
import type { ApprovalReasoning, ApprovalReview, ApprovalView, DecisionResult, NotificationView } from '../types';
import type { AppContext, View } from '../view';
import { countdown, errorMessage, statusBadge } from '../widgets';
import { tokenFromLink } from './approval-links';

const TOKEN_KEY = (approvalId: string) => `lumos.approval-token.${approvalId}`;

/** The personal link token this operator decides with, and where it came from. */
interface TokenSource {
  token: string;
  from: 'link' | 'pasted' | 'inbox';
}

/**
 * Approval links are personal (bound to the approver, the approval and the exact actions), so the console decides
 * with the operator's own link token: one the console was opened with, one pasted here, or, where the
 * notifications outbox stands in for people's inboxes (locally), the newest link sent to the operator.
 */
async function findToken(ctx: AppContext, approvalId: string): Promise<TokenSource | undefined> {
  const fromRoute = ctx.params.get('token');
  if (fromRoute) {
    sessionStorage.setItem(TOKEN_KEY(approvalId), fromRoute);
    return { token: fromRoute, from: 'link' };
  }
  const pasted = sessionStorage.getItem(TOKEN_KEY(approvalId));
  if (pasted) return { token: pasted, from: 'pasted' };
  const me = ctx.session.identity();
  if (!ctx.config.notifications || !me) return undefined;
  const inbox = await ctx.api
    .optional<{ notifications: NotificationView[] }>(
      `/notifications?channel=approval&recipient=${encodeURIComponent(me)}`,
    )
    .catch(() => undefined);
  const message = inbox?.notifications.find((n) => n.data?.approvalId === approvalId);
  const review = message?.links?.find((l) => l.rel === 'review');
  const token = review ? tokenFromLink(review.href) : undefined;
  return token ? { token, from: 'inbox' } : undefined;
}

function reasoningBlock(reasoning: ApprovalReasoning): HTMLElement {
  return h(
    'div',
    { class: 'reasoning' },
    h('h4', {}, 'Why the agent proposes this'),
    reasoning.rationale ? h('p', { class: 'rationale' }, reasoning.rationale) : empty('No rationale given.'),
    reasoning.notes?.length
      ? h(
          'ul',
          {},
          reasoning.notes.map((n) => h('li', {}, n)),
        )
      : null,
    reasoning.triage
      ? h(
          'p',
          {},
          h('strong', {}, 'Triage: '),
          `${reasoning.triage.priority ?? ''} ${label(reasoning.triage.category ?? '')} → ${reasoning.triage.assignmentGroup ?? ''}`,
          reasoning.triage.confidence !== undefined ? ` (confidence ${percent(reasoning.triage.confidence, 0)})` : '',
          reasoning.triage.rationale ? h('span', { class: 'sub' }, ` ${reasoning.triage.rationale}`) : null,
        )
      : null,
    reasoning.knowledge?.length
      ? h(
          'div',
          {},
          h('strong', {}, 'Knowledge used:'),
          h(
            'ol',
            { class: 'citations compact' },
            reasoning.knowledge.map((k) =>
              h(
                'li',
                {},
                `${k.title} `,
                h('code', {}, k.articleId),
                h('span', { class: 'sub' }, ` ${k.score.toFixed(2)}`),
              ),
            ),
          ),
        )
      : null,
    reasoning.policy?.length
      ? h(
          'div',
          {},
          h('strong', {}, 'Policy:'),
          h(
            'ul',
            {},
            reasoning.policy.map((p) =>
              h(
                'li',
                {},
                `${label(p.type)} ${p.target}: ${p.verdict?.allowed === false ? 'refused' : p.verdict?.autonomous ? 'may run alone' : 'needs approval'}`,
                p.verdict?.because?.length ? h('span', { class: 'sub' }, ` (${p.verdict.because.join('; ')})`) : null,
              ),
            ),
          ),
        )
      : null,
    reasoning.dryRun
      ? h(
          'details',
          {},
          h('summary', {}, `Dry run: ${reasoning.dryRun.summary ?? reasoning.dryRun.status ?? ''}`),
          h('pre', {}, JSON.stringify(reasoning.dryRun.outcomes ?? reasoning.dryRun, null, 2)),
        )
      : null,
  );
}

function actionsBlock(approval: ApprovalView): HTMLElement {
  return h(
    'div',
    { class: 'exact-action' },
    h('h4', {}, approval.actions.length === 1 ? 'The exact action' : `The exact actions (${approval.actions.length})`),
    h(
      'ol',
      { class: 'actions' },
      approval.actions.map((a) =>
        h(
          'li',
          {},
          h('strong', {}, label(a.type)),
          ` on ${a.target} `,
          h('span', { class: `risk risk-${a.risk}` }, `${a.risk} risk`),
          h('div', { class: 'sub' }, a.reason),
          a.runbook
            ? h(
                'code',
                { class: 'block' },
                `runbook ${a.runbook.id}@${a.runbook.version} (${a.runbook.title})\nparameters ${JSON.stringify(a.runbook.parameters, null, 1)}`,
              )
            : null,
        ),
      ),
    ),
    h(
      'p',
      { class: 'sub' },
      'Your decision is bound to action hash ',
      h('code', { title: approval.actionHash }, `${approval.actionHash.slice(0, 16)}…`),
      '; if the plan changes, the link no longer counts.',
    ),
  );
}

/** The confirmation dialog: names the decision and what it causes, Cancel is the default. */
function confirmDecision(decision: 'approve' | 'reject', approval: ApprovalView): Promise<boolean> {
  return new Promise((resolve) => {
    const dialog = h(
      'dialog',
      { class: 'confirm', 'aria-labelledby': 'confirm-title', 'aria-describedby': 'confirm-text' },
      h('h2', { id: 'confirm-title' }, decision === 'approve' ? 'Approve and run?' : 'Reject the plan?'),
      h(
        'p',
        { id: 'confirm-text' },
        decision === 'approve'
          ? `The workflow resumes and runs ${approval.actions.length} action(s): ${approval.actions.map((a) => `${label(a.type)} on ${a.target}`).join('; ')}.`
          : 'Nothing will be executed; the incident goes to a person.',
      ),
      h(
        'form',
        { method: 'dialog', class: 'buttons' },
        h('button', { value: 'cancel', autofocus: true }, 'Cancel'),
        h(
          'button',
          { value: 'confirm', class: decision === 'approve' ? 'primary' : 'danger' },
          decision === 'approve' ? 'Approve' : 'Reject',
        ),
      ),
    ) as HTMLDialogElement;
    dialog.addEventListener('close', () => {
      resolve(dialog.returnValue === 'confirm');
      dialog.remove();
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

/** One approval request as a card: what, why, until when, and the decision controls for the operator. */
function approvalCard(ctx: AppContext, approval: ApprovalView, onDecided: () => void): HTMLElement {
  const reasoning = approval.reasoning as ApprovalReasoning;
  const stage = approval.stages[approval.stages.length - 1];
  const approvals = approval.votes.filter((v) => v.decision === 'approve').length;
  const decision = h('div', { class: 'decision', 'aria-live': 'polite' });
  const titleId = `approval-${approval.approvalId}-title`;
  const card = h(
    'article',
    {
      class: `approval-card risk-card-${approval.riskTier}`,
      'aria-labelledby': titleId,
      'data-approval-id': approval.approvalId,
    },
    h(
      'header',
      {},
      h(
        'h3',
        { id: titleId },
        h(
          'a',
          {
            href: `#/approvals/${encodeURIComponent(approval.approvalId)}`,
            'data-key': approval.approvalId,
            'data-nav-item': '',
          },
          reasoning.summary ?? approval.approvalId,
        ),
      ),
      h(
        'p',
        { class: 'meta' },
        statusBadge(approval.status),
        h('span', { class: `risk risk-${approval.riskTier}` }, `${approval.riskTier} risk`),
        h('span', {}, approval.mode === 'realtime' ? 'Real-time' : 'Asynchronous'),
        h('span', {}, `${approval.approverGroup}: ${approvals} of ${approval.requiredApprovals} approval(s)`),
        approval.status === 'pending' && stage ? h('span', {}, 'Decide within ', countdown(stage.expiresAt)) : null,
        h(
          'a',
          { href: `#/incidents/${encodeURIComponent(approval.incidentId)}` },
          `Incident ${reasoning.incident?.externalId ?? approval.incidentId}`,
        ),
      ),
    ),
    actionsBlock(approval),
    reasoningBlock(reasoning),
    approval.status === 'pending' ? decision : decidedBlock(approval),
  );
  if (approval.status === 'pending') void drawDecision(ctx, approval, decision, onDecided);
  return card;
}

function decidedBlock(approval: ApprovalView): HTMLElement {
  return h(
    'p',
    { class: 'decided' },
    `${label(approval.status)}${approval.decidedBy?.length ? ` by ${approval.decidedBy.join(', ')}` : ''}${approval.decidedAt ? ` at ${dateTime(approval.decidedAt)}` : ''}${approval.comment ? `: “${approval.comment}”` : ''}`,
  );
}

async function drawDecision(
  ctx: AppContext,
  approval: ApprovalView,
  container: HTMLElement,
  onDecided: () => void,
): Promise<void> {
  const me = ctx.session.identity();
  const source = await findToken(ctx, approval.approvalId);
  let review: ApprovalReview | undefined;
  let reviewError: unknown;
  if (source) {
    try {
      review = await ctx.api.get<ApprovalReview>(
        `/approvals/${encodeURIComponent(approval.approvalId)}?token=${encodeURIComponent(source.token)}`,
      );
    } catch (error) {
      reviewError = error;
    }
  }
  const commentId = `comment-${approval.approvalId}`;
  const status = h('p', { class: 'decision-status', role: 'status' });
  const pasteId = `paste-${approval.approvalId}`;
  const paste: Child = h(
    'form',
    {
      class: 'paste',
      onsubmit: (event: Event) => {
        event.preventDefault();
        const input = (event.target as HTMLFormElement).elements.namedItem('link') as HTMLInputElement;
        const token = tokenFromLink(input.value);
        if (!token) {
          status.textContent = 'That is not an approval link: paste the whole link from your message.';
          return;
        }
        sessionStorage.setItem(TOKEN_KEY(approval.approvalId), token);
        void drawDecision(ctx, approval, container, onDecided);
      },
    },
    h('label', { for: pasteId }, 'Your approval link'),
    h('input', {
      id: pasteId,
      name: 'link',
      type: 'url',
      required: true,
      placeholder: 'Paste the review or approve link from your message',
      autocomplete: 'off',
    }),
    h('button', { type: 'submit' }, 'Use this link'),
  );

  const decide = async (decision: 'approve' | 'reject') => {
    if (!source) return;
    if (!(await confirmDecision(decision, approval))) {
      status.textContent = 'Nothing was decided.';
      return;
    }
    const comment = (document.getElementById(commentId) as HTMLTextAreaElement | null)?.value.trim();
    for (const button of container.querySelectorAll('button')) button.disabled = true;
    status.textContent = decision === 'approve' ? 'Approving…' : 'Rejecting…';
    try {
      const result = await ctx.api.post<DecisionResult>(
        `/approvals/${encodeURIComponent(approval.approvalId)}/decision`,
        {
          decision,
          token: source.token,
          ...(comment ? { comment } : {}),
        },
      );
      sessionStorage.removeItem(TOKEN_KEY(approval.approvalId));
      status.textContent = `${label(result.status)}: ${result.message}`;
      status.className = 'decision-status ok';
      announce(status.textContent);
      setTimeout(onDecided, 1500);
    } catch (error) {
      status.textContent =
        error instanceof ApiError ? `Not recorded (${error.status}): ${error.message}` : String(error);
      status.className = 'decision-status error';
      for (const button of container.querySelectorAll('button')) button.disabled = false;
    }
  };

  rerender(container, () => {
    if (!source) {
      return [
        h('h4', {}, 'Decide'),
        h(
          'p',
          {},
          me ? `No approval link for ${me} was found for this request. ` : 'Say who you are (top right), or ',
          'paste the personal link from your approval message.',
        ),
        paste,
        status,
      ];
    }
    if (reviewError || (review && !review.you.canDecide)) {
      return [
        h('h4', {}, 'Decide'),
        reviewError
          ? errorMessage(reviewError, 'Your approval link')
          : h(
              'p',
              { class: 'notice warn' },
              `${review!.you.approver} cannot decide this request: ${review!.you.why ?? ''}`,
            ),
        paste,
        status,
      ];
    }
    const via = { link: 'the link you opened', pasted: 'the link you pasted', inbox: 'your approval message' }[
      source.from
    ];
    return [
      h('h4', {}, 'Decide'),
      h('p', { class: 'sub' }, `Deciding as ${review?.you.approver ?? me ?? 'you'}, with ${via}.`),
      h('label', { for: commentId }, 'Comment (optional, recorded in the audit trail)'),
      h('textarea', { id: commentId, rows: 2, maxlength: 2000 }),
      h(
        'div',
        { class: 'buttons' },
        h(
          'button',
          { type: 'button', class: 'primary', onclick: () => void decide('approve'), 'data-decision': 'approve' },
          'Approve…',
        ),
        h(
          'button',
          { type: 'button', class: 'danger', onclick: () => void decide('reject'), 'data-decision': 'reject' },
          'Reject…',
        ),
      ),
      status,
    ];
  });
}

/** Pending approvals with the agent's reasoning and the exact action; approve or reject with a personal link. */
export async function approvalsView(ctx: AppContext, approvalId?: string): Promise<View> {
  const statusFilter = ctx.params.get('status') ?? (approvalId ? 'all' : 'pending');
  const list = h('div', { class: 'approval-list' });
  let last = '';

  const load = async () => {
    let approvals: ApprovalView[];
    try {
      const query = statusFilter === 'all' ? '' : `?status=${encodeURIComponent(statusFilter)}`;
      approvals = (await ctx.api.get<{ approvals: ApprovalView[] }>(`/approvals${query}`)).approvals;
    } catch (error) {
      rerender(list, () => errorMessage(error, 'Approvals'));
      last = '';
      return;
    }
    const shown = approvalId ? approvals.filter((a) => a.approvalId === approvalId) : approvals;
    // Redraw only when something changed: a redraw would wipe a comment being typed.
    const fingerprint = JSON.stringify(shown.map((a) => [a.approvalId, a.version, a.status]));
    if (fingerprint === last) return;
    last = fingerprint;
    rerender(list, () =>
      shown.length
        ? shown.map((a) => approvalCard(ctx, a, () => void load()))
        : empty(
            approvalId
              ? `Approval ${approvalId} was not found.`
              : statusFilter === 'pending'
                ? 'Nothing waits for approval.'
                : 'No approvals.',
          ),
    );
  };

  const filterLink = (value: string, text: string) =>
    h(
      'a',
      {
        href: `#/approvals?status=${value}`,
        'aria-current': statusFilter === value ? 'page' : undefined,
        class: 'chip',
      },
      text,
    );

  const element = h(
    'div',
    { class: 'view approvals-view' },
    h('h1', { tabindex: '-1' }, approvalId ? 'Approval' : 'Approvals'),
    approvalId
      ? h(
          'p',
          { class: 'crumbs' },
          h('a', { href: '#/approvals', 'aria-keyshortcuts': 'u' }, '← All pending approvals'),
        )
      : h(
          'nav',
          { class: 'chips', 'aria-label': 'Approval status' },
          filterLink('pending', 'Pending'),
          filterLink('approved', 'Approved'),
          filterLink('rejected', 'Rejected'),
          filterLink('expired', 'Expired'),
          filterLink('all', 'All'),
        ),
    list,
  );
  await load();
  return { title: approvalId ? `Approval ${approvalId}` : 'Approvals', element, refresh: load };
}
