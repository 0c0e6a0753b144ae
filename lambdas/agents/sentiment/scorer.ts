import { SentimentIntensityAnalyzer } from 'vader-sentiment';
import {
  CONTRAST,
  COURTESY,
  EMOJI,
  ESCALATION_REQUESTS,
  FAILURE_NEGATORS,
  FAILURE_STATEMENT,
  NEGATORS,
  REQUEST_WORDS,
  SARCASM_MARKERS,
  SUPPORT_PHRASES,
  SUPPORT_WORDS,
} from './lexicon';

/**
 * Sentiment of one comment: VADER (Hutto & Gilbert, ICWSM 2014; the `vader-sentiment` port) reads each sentence on
 * its own, so a negation never reaches past the end of its sentence, and VADER's own rules handle intensifiers
 * ("very"), shouting, exclamation marks and "but" inside a sentence. Around it Lumos adds what VADER does not know:
 * the words of support requests ({@link SUPPORT_PHRASES}, {@link SUPPORT_WORDS}), emoji, contrast across sentences
 * ("... However, nobody called back": the later sentence weighs more) and marked irony (praise with `/s`, "yeah
 * right" or "thanks for the ..." beside a complaint reads as a complaint).
 */

/** The score of one comment and what drove it. */
export interface CommentScore {
  /** -1 (very negative) .. 1 (very positive); 0 when nothing in it carries sentiment. */
  score: number;
  /** The words, phrases and emoji that counted, signed. */
  cues: string[];
  /** The comment asks for a manager, a complaint, cancellation or legal action. */
  escalationRequest: boolean;
}

/** Characters of a comment read: the tone is in what a person wrote, not in a pasted log or dump after it. */
const MAX_CHARS = 5000;

/** VADER's normalisation constant: a raw sum s maps to s / sqrt(s^2 + alpha). */
const ALPHA = 15;
/** VADER's scalar for a negated word. */
const NEGATION = -0.74;
/** VADER's weights around "but": what precedes counts half, what follows one and a half. */
const BEFORE_CONTRAST = 0.5;
const AFTER_CONTRAST = 1.5;

const normalize = (raw: number) => raw / Math.sqrt(raw * raw + ALPHA);
/** The raw valence sum behind a VADER compound score (the inverse of its normalisation). */
const rawOf = (compound: number) => {
  const c = Math.max(-0.9999, Math.min(0.9999, compound));
  return (c * Math.sqrt(ALPHA)) / Math.sqrt(1 - c * c);
};

/** Longest first, so "still not working" is taken before "not working"; each compiled once. */
const PHRASES = Object.entries(SUPPORT_PHRASES)
  .sort((a, b) => b[0].length - a[0].length)
  .map(([phrase, valence]) => ({
    phrase,
    valence,
    first: phrase.split(' ')[0]!,
    pattern: new RegExp(`(^|[^a-z0-9])${phrase.replace(/ /g, '[^a-z0-9]+')}(?=$|[^a-z0-9])`),
  }));
const EMOJI_PATTERN = new RegExp(
  Object.keys(EMOJI)
    .sort((a, b) => b.length - a.length)
    .map((e) => e.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('|'),
  'gu',
);

/** Whether VADER rates a word itself (then its rating stands and the support lexicon stays out). */
const vaderKnows = new Map<string, boolean>();
function knownToVader(word: string): boolean {
  let known = vaderKnows.get(word);
  if (known === undefined) {
    known = SentimentIntensityAnalyzer.polarity_scores(word).compound !== 0;
    vaderKnows.set(word, known);
  }
  return known;
}

/** Text as people type it in tickets and messages, made readable: entities decoded, mentions and links dropped. */
function clean(text: string): string {
  return (
    text
      .replace(/&amp;/g, '&')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&#39;|&apos;/g, "'")
      .replace(/https?:\/\/\S+/g, ' ')
      .replace(/(^|\s)@\w+/g, '$1')
      // A hashtag is a word said with emphasis (`#disappointed`); its sign stays the word's.
      .replace(/(^|\s)#(\w)/g, '$1$2')
      .replace(/[\u2018\u2019]/g, "'")
      .replace(/[\u201c\u201d]/g, '"')
  );
}

/** Sentences: split after `.`, `!`, `?` (runs included) and at line breaks. */
function sentencesOf(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+|\n+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

interface SentenceScore {
  /** Sum of the pleasant cues. */
  positive: number;
  /** Sum of the unpleasant cues (zero or less). */
  negative: number;
  /** Valence of thanks said as a courtesy, kept apart from {@link raw}. */
  courtesy: number;
  cues: string[];
}

/** One sentence: support phrases (taken out of the text), then VADER, then support words VADER does not rate. */
function scoreSentence(sentence: string): SentenceScore {
  const cues: string[] = [];
  let positive = 0;
  let negative = 0;
  const add = (value: number) => {
    if (value > 0) positive += value;
    else negative += value;
  };
  let courtesy = 0;
  let lower = ` ${sentence.toLowerCase().replace(/'/g, '')} `;
  const words = (text: string) => text.split(/[^a-z0-9]+/).filter(Boolean);
  const negatedAt = (tokens: string[], i: number) => tokens.slice(Math.max(0, i - 3), i).some((t) => NEGATORS.has(t));

  for (const { phrase, valence, first, pattern } of PHRASES) {
    if (!lower.includes(first)) continue;
    for (let match = pattern.exec(lower); match; match = pattern.exec(lower)) {
      const before = words(lower.slice(0, match.index + match[1]!.length));
      const value = negatedAt(before, before.length) && valence > 0 ? valence * NEGATION : valence;
      if (COURTESY.test(phrase) && value > 0) courtesy += value;
      else add(value);
      if (value !== 0) cues.push(`${value > 0 ? '+' : ''}${phrase}`);
      lower = `${lower.slice(0, match.index)}${match[1]} , ${lower.slice(match.index + match[0].length)}`;
    }
  }

  const emojiCounts = new Map<string, number>();
  lower = lower.replace(EMOJI_PATTERN, (emoji) => {
    emojiCounts.set(emoji, (emojiCounts.get(emoji) ?? 0) + 1);
    return ' ';
  });
  for (const [emoji, count] of emojiCounts) {
    // Repeating an emoji insists; it does not multiply the feeling without bound.
    const value = EMOJI[emoji]! * Math.min(count, 3) ** 0.5;
    add(value);
    cues.push(`${value > 0 ? '+' : ''}${emoji}`);
  }

  // VADER reads the sentence as written (capitals and punctuation carry emphasis), minus the phrases taken out.
  const forVader = restoreCase(sentence, lower);
  const compound = SentimentIntensityAnalyzer.polarity_scores(forVader).compound;
  if (compound !== 0) {
    add(rawOf(compound));
    cues.push(`${compound > 0 ? '+' : ''}vader:${compound.toFixed(2)}`);
  }

  const tokens = words(lower);
  // A failure statement: a negated auxiliary before a plain verb, with no rated word VADER already negated.
  tokens.forEach((token, i) => {
    if (!FAILURE_NEGATORS.has(token)) return;
    const following = tokens.slice(i + 1, i + 4);
    if (following.length === 0 || following.some((t) => knownToVader(t) || SUPPORT_WORDS[t] !== undefined)) return;
    add(FAILURE_STATEMENT);
    cues.push(`-${token} ${following[0]}`);
  });
  tokens.forEach((token, i) => {
    const valence = SUPPORT_WORDS[token];
    if (valence === undefined || (knownToVader(token) && !COURTESY.test(token))) return;
    // A negated complaint word is no praise ("not just 24 hours", "not delayed"): it drops out.
    const value = negatedAt(tokens, i) ? (valence > 0 ? valence * NEGATION : 0) : valence;
    if (value === 0) return;
    if (COURTESY.test(token) && value > 0) courtesy += value;
    else add(value);
    cues.push(`${value > 0 ? '+' : ''}${token}`);
  });
  // A question asks whether something good is so ("is my flight on time?"); it asserts no praise. Complaints put
  // as questions ("why is nobody answering?") keep their weight.
  if (/\?\s*$/.test(sentence) && positive + negative > 0) {
    return { positive: 0, negative: 0, courtesy, cues: cues.map((cue) => `?${cue}`) };
  }
  return { positive, negative, courtesy, cues };
}

/**
 * The sentence for VADER with the consumed phrases, emoji and request words removed, keeping the writer's capitals (VADER reads
 * shouting): words are taken from the original where the lower-cased remainder still has them.
 */
function restoreCase(original: string, remainder: string): string {
  const kept = remainder.split(/\s+/).filter((word) => {
    const bare = word.replace(/[^a-z]/g, '');
    return word && !REQUEST_WORDS.has(bare) && !COURTESY.test(bare);
  });
  const originals = original.replace(/\u2019/g, "'").split(/\s+/);
  const byLower = new Map<string, string[]>();
  for (const word of originals) {
    const key = word.toLowerCase().replace(/'/g, '');
    const list = byLower.get(key);
    if (list) list.push(word);
    else byLower.set(key, [word]);
  }
  // The port compares negations case-sensitively ("Not great" would read as praise): they go in lower case.
  return kept
    .map((word) => {
      const written = byLower.get(word)?.shift() ?? word;
      return NEGATORS.has(word.replace(/[^a-z]/g, '')) || /n'?t$/i.test(written) ? written.toLowerCase() : written;
    })
    .join(' ');
}

/**
 * Scores one comment from -1 to 1. Sentences are scored apart and summed; a sentence opening with a contrast
 * ("But", "However") counts one and a half times and what came before it half. Praise in a comment that also
 * complains is read as irony when the comment marks it so.
 */
export function scoreComment(text: string): CommentScore {
  const cleaned = clean(text.slice(0, MAX_CHARS));
  const sentences = sentencesOf(cleaned).map((s) => ({ text: s, ...scoreSentence(s) }));
  const weights = sentences.map(() => 1);
  sentences.forEach((sentence, i) => {
    if (i > 0 && CONTRAST.test(sentence.text)) {
      for (let j = 0; j < i; j++) weights[j]! *= BEFORE_CONTRAST;
      weights[i]! *= AFTER_CONTRAST;
    }
  });
  let positive = 0;
  let negative = 0;
  sentences.forEach((sentence, i) => {
    positive += sentence.positive * weights[i]!;
    negative += sentence.negative * weights[i]!;
  });
  // Thanks count only where nothing is complained of.
  if (negative === 0) positive += sentences.reduce((sum, s, i) => sum + s.courtesy * weights[i]!, 0);
  const ironic = negative < 0 && positive > 0 && SARCASM_MARKERS.some((marker) => marker.test(cleaned));
  const raw = ironic ? negative - positive * 0.5 : positive + negative;
  const cues = sentences.flatMap((s) => s.cues);
  if (ironic) cues.push('-irony');
  const escalationRequest = ESCALATION_REQUESTS.some((pattern) => pattern.test(cleaned));
  return { score: Math.round(normalize(raw) * 100) / 100, cues, escalationRequest };
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

/** The three-way reading of a score, as the agent's summary words it. */
export type Polarity = 'negative' | 'neutral' | 'positive';

/** VADER's documented cut-offs: positive at 0.05 or more, negative at -0.05 or less, neutral between. */
export function polarityOf(score: number): Polarity {
  return score >= 0.05 ? 'positive' : score <= -0.05 ? 'negative' : 'neutral';
}
