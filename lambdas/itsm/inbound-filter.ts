import type { Signal } from '../core/incident';

/** Why a ticket delivery is not worth an incident. */
export type DropCategory = 'spam' | 'auto-reply' | 'out-of-office';

export type InboundVerdict = { keep: true } | { keep: false; category: DropCategory; reason: string };

type Inbound = Pick<Signal, 'kind' | 'action' | 'title' | 'description' | 'labels' | 'reporter' | 'changeNote'>;

/** Subjects mail clients give their automatic replies (English, German, French, Spanish, Dutch, Italian). */
const AUTO_REPLY_SUBJECT =
  /^\s*(re:\s*)?(automatic reply|auto[- ]?reply|autoreply|auto[- ]?response|automatische antwort|réponse automatique|respuesta automática|automatisch antwoord|risposta automatica)\b/i;
/** Bounces and delivery reports: mail about mail, never a request. */
const BOUNCE_SUBJECT =
  /^\s*(undeliverable|undelivered mail|delivery status notification|delivery has failed|mail delivery (failed|subsystem)|returned mail|failure notice|non[- ]delivery report)\b/i;
const ROBOT_SENDER = /^(mailer-daemon|postmaster|no-?reply|do-?not-?reply|bounce[s]?)@/i;

/** Out-of-office: a subject that starts like one, or an automatic reply whose subject or text says so. */
const OOO_SUBJECT_START =
  /^\s*(out of (the )?office|ooo\b|abwesenheitsnotiz|absence du bureau|fuera de la oficina|afwezigheid)/i;
const OOO_SUBJECT =
  /\b(out of (the )?office|ooo|on (annual |parental )?leave|on vacation|on holiday|abwesenheitsnotiz|nicht im büro|absence du bureau|fuera de la oficina|afwezig)\b/i;
/** The writer says they are away ... */
const AWAY =
  /\b(i am|i'm|i will be) (currently )?(out of (the )?office|away( from (the )?office)?|on (annual |parental )?leave|on vacation|on holiday)\b/i;
/** ... and when they are back, or how they read mail meanwhile. */
const RETURN =
  /\b(until|returning( on)?|back (on|in the office)|when i return|upon my return|after my return|(limited|no) access to (my )?e-?mail)\b/i;
/** A message that reports a problem is a person asking for help, even if they mention being away. */
const PROBLEM =
  /\b(error|fail(s|ed|ing|ure)?|broken|not working|does(n't| not) work|cannot|can't|unable|crash(es|ed)?|down|help|please (fix|reset|install))\b/i;

/** Common spam content, weighted; bulk links, a shouting subject and money amounts add a little. */
const SPAM_TERMS: Array<[RegExp, string, number]> = [
  [/\b(viagra|cialis|pharmacy without prescription)\b/i, 'pharmacy spam', 3],
  [/\b(casino|betting bonus|free spins)\b/i, 'gambling', 2],
  [
    /\b(crypto(currency)? (giveaway|investment|profit)|bitcoin (doubler|profit|investment)|double your (bitcoin|crypto))\b/i,
    'crypto scheme',
    3,
  ],
  [/\b(you (have )?won|winner of our|claim your (prize|reward|gift)|lottery)\b/i, 'prize scam', 3],
  [/\b(seo (services|ranking|agency)|backlinks?|guest post(s|ing)?|rank (#?1|first) on google)\b/i, 'SEO pitch', 2],
  [
    /\b(increase your (traffic|sales|revenue)|web ?design services|lead generation services|grow your business)\b/i,
    'marketing pitch',
    2,
  ],
  [
    /\b(inheritance|next of kin|wire transfer fee|beneficiary of|nigerian prince|urgent business proposal)\b/i,
    'advance-fee fraud',
    3,
  ],
  [/\b(work from home and earn|earn \$?\d+[,.]?\d* (per|a) (day|week))\b/i, 'money-making scheme', 3],
  [/\b(click here to (claim|unsubscribe)|unsubscribe from (this|our) (list|mailing))\b/i, 'bulk mail footer', 2],
];
/** Two strong signs, or one plus some noise: one word alone (a "lottery" app, a "casino" platform) never drops a ticket. */
const SPAM_THRESHOLD = 4;

const clip = (text: string, max = 80) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

function spamScore(subject: string, body: string): { score: number; why: string[] } {
  const text = `${subject}\n${body}`;
  const why: string[] = [];
  let score = 0;
  for (const [pattern, label, weight] of SPAM_TERMS) {
    if (pattern.test(text)) {
      score += weight;
      why.push(label);
    }
  }
  const links = text.match(/https?:\/\/\S+/gi)?.length ?? 0;
  if (links >= 4) {
    score += 1;
    why.push(`${links} links`);
  }
  const letters = subject.replace(/[^A-Za-z]/g, '');
  if (letters.length >= 12 && letters === letters.toUpperCase()) {
    score += 1;
    why.push('subject in capitals');
  }
  if (/[$€£]\s?\d{3,}|\d{3,}\s?(usd|eur|dollars)/i.test(text)) {
    score += 1;
    why.push('money amounts');
  }
  return { score, why };
}

/**
 * Decides whether a ticket delivery is a person asking for help, or noise to drop with a reason: spam, an
 * automatic reply or bounce, or an out-of-office message (also when it arrives as a comment on a ticket Lumos
 * replied to). Alerts and recoveries are never dropped here, nor is anything from a monitoring system's mail.
 */
export function filterInbound(signal: Inbound): InboundVerdict {
  if (signal.kind !== 'ticket' || signal.action === 'resolve') return { keep: true };
  // On updates the new comment is what arrived; on creates, the subject and description.
  // On an update the new comment is what arrived: its first line stands in for a mail subject.
  const comment = signal.action === 'update' ? signal.changeNote?.trim() : undefined;
  const subject = comment ? comment.split('\n')[0]! : signal.title;
  const body = comment ?? signal.description;
  const sender = signal.reporter ?? '';
  const tags = (signal.labels.tags ?? '').toLowerCase();

  const autoReply = AUTO_REPLY_SUBJECT.test(subject);
  if (OOO_SUBJECT_START.test(subject) || (autoReply && (OOO_SUBJECT.test(subject) || AWAY.test(body)))) {
    return { keep: false, category: 'out-of-office', reason: `out-of-office reply ('${clip(subject || body)}')` };
  }
  if (AWAY.test(body) && RETURN.test(body) && !PROBLEM.test(`${subject}\n${body}`) && body.length < 1500) {
    return { keep: false, category: 'out-of-office', reason: `out-of-office reply ('${clip(body.trim())}')` };
  }
  if (autoReply) return { keep: false, category: 'auto-reply', reason: `automatic reply ('${clip(subject)}')` };
  if (BOUNCE_SUBJECT.test(subject))
    return { keep: false, category: 'auto-reply', reason: `delivery report ('${clip(subject)}')` };
  if (ROBOT_SENDER.test(sender))
    return { keep: false, category: 'auto-reply', reason: `sent by a mail robot (${sender})` };
  if (/\b(auto_?reply|autoresponder|out_of_office)\b/.test(tags))
    return { keep: false, category: 'auto-reply', reason: `tagged ${tags}` };

  const spam = spamScore(subject, body);
  if (spam.score >= SPAM_THRESHOLD) return { keep: false, category: 'spam', reason: `spam (${spam.why.join(', ')})` };
  return { keep: true };
}

/** The reason intake answers (and records) for a dropped delivery. */
export const dropReason = (verdict: Extract<InboundVerdict, { keep: false }>): string =>
  `dropped by the inbound filter as ${verdict.category}: ${verdict.reason}`;
