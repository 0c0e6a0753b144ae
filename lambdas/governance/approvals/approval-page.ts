import type { ApprovalRequest } from '../../ports/approval-store';

const escapeHtml = (text: unknown): string =>
  String(text ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

type ApprovalView = Pick<
  ApprovalRequest,
  | 'approvalId'
  | 'actions'
  | 'reasoning'
  | 'status'
  | 'riskTier'
  | 'mode'
  | 'approverGroup'
  | 'requiredApprovals'
  | 'stages'
>;

/** The parts of the stored reasoning the page shows. */
interface Reasoning {
  summary?: string;
  rationale?: string;
  triage?: { rationale?: string };
  diagnosis?: { summary?: string; hypotheses?: string[]; confirm?: string[]; ruleOut?: string[] };
  policy?: { type: string; target: string; verdict?: { because?: string[] } }[];
  dryRun?: unknown;
}

/**
 * The review page a person sees when opening their link in a browser. It only shows: deciding is the POST its
 * buttons make (scripts that mail scanners never run), with the token taken from the page's own address.
 */
export function approvalPage(view: { request: ApprovalView; you: Record<string, unknown> }): string {
  const { request, you } = view;
  const reasoning = request.reasoning as Reasoning;
  const actions = request.actions
    .map(
      (a) =>
        `<li><strong>${escapeHtml(a.type)}</strong> ${escapeHtml(a.target)} <em>(${escapeHtml(a.risk)})</em> — ${escapeHtml(a.reason)}${
          a.runbook
            ? `<br><code>runbook ${escapeHtml(a.runbook.id)} ${escapeHtml(JSON.stringify(a.runbook.parameters))}</code>`
            : ''
        }</li>`,
    )
    .join('');
  const policy = (reasoning.policy ?? [])
    .map(
      (p) =>
        `<li>${escapeHtml(p.type)} ${escapeHtml(p.target)}: ${escapeHtml((p.verdict?.because ?? []).join('; '))}</li>`,
    )
    .join('');
  const buttons = you.canDecide
    ? `<p><label>Comment <input id="comment" size="60"></label></p>
<p><button data-decision="approve">Approve</button> <button data-decision="reject">Reject</button></p>
<p id="result"></p>
<script>
for (const b of document.querySelectorAll('button[data-decision]')) b.addEventListener('click', async () => {
  const token = new URLSearchParams(location.search).get('token');
  const r = await fetch(location.pathname + '/decision', { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ decision: b.dataset.decision, token, comment: document.getElementById('comment').value || undefined }) });
  const body = await r.json();
  document.getElementById('result').textContent = r.status + ': ' + (body.message ?? body.error?.message ?? '');
});
</script>`
    : `<p><strong>You cannot decide this request:</strong> ${escapeHtml(you.why)}</p>`;
  return `<!doctype html><html><head><meta charset="utf-8"><title>Approval ${escapeHtml(request.approvalId)}</title></head><body>
<h1>${escapeHtml(reasoning.summary ?? request.approvalId)}</h1>
<p>Status: <strong>${escapeHtml(request.status)}</strong> · risk ${escapeHtml(request.riskTier)} (${escapeHtml(request.mode)}) · approvers: ${escapeHtml(request.approverGroup)} (${escapeHtml(request.requiredApprovals)} needed) · decide by ${escapeHtml(request.stages?.[request.stages.length - 1]?.expiresAt)}</p>
<p>You are <strong>${escapeHtml(you.approver)}</strong>.</p>
<h2>Planned actions</h2><ol>${actions}</ol>
<h2>Why</h2><p>${escapeHtml(reasoning.rationale)}</p>
${
  reasoning.diagnosis
    ? `<h2>Diagnosis</h2><p>${escapeHtml(reasoning.diagnosis.summary)}</p><ol>${(reasoning.diagnosis.hypotheses ?? []).map((line) => `<li>${escapeHtml(line)}</li>`).join('')}</ol>${
        reasoning.diagnosis.confirm?.length
          ? `<p>To confirm: ${escapeHtml(reasoning.diagnosis.confirm.join(' '))}</p>`
          : ''
      }${reasoning.diagnosis.ruleOut?.length ? `<p>Rules it out: ${escapeHtml(reasoning.diagnosis.ruleOut.join(' '))}</p>` : ''}`
    : ''
}
<h2>Triage</h2><p>${escapeHtml(reasoning.triage?.rationale)}</p>
<h2>Policy</h2><ul>${policy}</ul>
${reasoning.dryRun ? `<h2>Dry run</h2><pre>${escapeHtml(JSON.stringify(reasoning.dryRun, null, 2))}</pre>` : ''}
${buttons}
</body></html>`;
}
