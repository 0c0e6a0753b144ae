import { ESCALATION_REQUESTS, INTENSIFIERS, NEGATORS, PHRASE_VALENCE, WORD_VALENCE } from './lexicon';

/** The score of one comment and what drove it. */
export interface CommentScore {
  /** -1 (very negative) .. 1 (very positive); 0 when nothing in it carries sentiment. */
  score: number;
  /** The words and phrases that counted, signed. */
  cues: string[];
  /** The comment asks for a manager, a complaint, cancellation or legal action. */
  escalationRequest: boolean;
}

/** Squashes a raw valence sum into -1..1; `alpha` sets how much evidence it takes to approach the ends. */
function squash(raw: number, alpha = 8): number {
  return raw / Math.sqrt(raw * raw + alpha);
}

const PHRASES = Object.entries(PHRASE_VALENCE).sort((a, b) => b[0].length - a[0].length);

/**
 * Lexicon scoring of one comment: phrases first (and consumed), then words, each flipped by a negator within the
 * three words before it and scaled by an intensifier right before it. Shouting (words in capitals) and runs of
 * exclamation marks amplify whatever the comment already says; they carry no sign of their own.
 */
export function scoreComment(text: string): CommentScore {
  let lower = ` ${text
    .toLowerCase()
    .replace(/[\u2019']/g, '')
    .replace(/\s+/g, ' ')} `;
  let raw = 0;
  const cues: string[] = [];
  for (const [phrase, valence] of PHRASES) {
    const pattern = ` ${phrase} `;
    while (lower.includes(pattern)) {
      raw += valence;
      cues.push(`${valence > 0 ? '+' : ''}${phrase}`);
      lower = lower.replace(pattern, ' ~ ');
    }
  }
  const tokens = lower.split(/[^a-z0-9~]+/).filter(Boolean);
  tokens.forEach((token, i) => {
    const valence = WORD_VALENCE[token];
    if (valence === undefined) return;
    let value = valence;
    const before = tokens.slice(Math.max(0, i - 3), i);
    const intensifier = INTENSIFIERS[tokens[i - 1] ?? ''];
    if (intensifier !== undefined) value *= 1 + intensifier;
    if (before.some((word) => NEGATORS.has(word))) value *= -0.6;
    raw += value;
    cues.push(`${value > 0 ? '+' : ''}${token}`);
  });
  const shouted = (text.match(/\b[A-Z]{3,}\b/g) ?? []).filter(
    (word) =>
      !/^(API|VPN|DNS|SSO|MFA|CPU|RAM|URL|HTTP|HTTPS|SQL|AWS|SSL|TLS|OK|ASAP|IT|PC|ERP|CRM|SAP|INC|CHG|UTC)$/.test(
        word,
      ),
  ).length;
  const exclaims = (text.match(/!{2,}/g) ?? []).length + (text.match(/\?!|!\?/g) ?? []).length;
  if (raw !== 0 && shouted + exclaims > 0) raw *= 1 + Math.min(0.6, 0.15 * (shouted + exclaims));
  const escalationRequest = ESCALATION_REQUESTS.some((pattern) => pattern.test(text));
  return { score: Math.round(squash(raw) * 100) / 100, cues, escalationRequest };
}

/** Least-squares slope of scores over their order (per comment); 0 for fewer than two. */
export function trendSlope(scores: readonly number[]): number {
  const n = scores.length;
  if (n < 2) return 0;
  const meanX = (n - 1) / 2;
  const meanY = scores.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  scores.forEach((y, x) => {
    num += (x - meanX) * (y - meanY);
    den += (x - meanX) ** 2;
  });
  return den === 0 ? 0 : Math.round((num / den) * 1000) / 1000;
}
