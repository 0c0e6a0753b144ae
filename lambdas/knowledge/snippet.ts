import { terms } from './lexical';

/**
 * A short excerpt of `text` around the query: the sentence or line with the most query terms (ties: the earliest),
 * followed by the next ones until about `maxChars`. Markdown markers are flattened to plain text.
 * `queryTerms` are index terms (see {@link terms}); without a match the excerpt is the start of the text.
 */
export function buildSnippet(text: string, queryTerms: readonly string[], maxChars = 240): string {
  const units = text
    .split(/\n+|(?<=[.!?])\s+(?=[A-Z`"(])/)
    .map((unit) =>
      unit
        .replace(/^[-*+]\s+|^\d+\.\s+/, '')
        .replace(/[`*]|__/g, '')
        .replace(/\s+/g, ' ')
        .trim(),
    )
    .filter((unit) => unit.length > 0);
  if (units.length === 0) return '';
  const wanted = new Set(queryTerms);
  let bestIndex = 0;
  let bestHits = 0;
  units.forEach((unit, index) => {
    const hits = new Set(terms(unit).filter((term) => wanted.has(term))).size;
    if (hits > bestHits) {
      bestHits = hits;
      bestIndex = index;
    }
  });
  let snippet = units[bestIndex];
  for (let i = bestIndex + 1; i < units.length && snippet.length < maxChars * 0.6; i++) {
    snippet += ` ${units[i]}`;
  }
  if (snippet.length <= maxChars) return snippet;
  const cut = snippet.slice(0, maxChars - 1);
  const space = cut.lastIndexOf(' ');
  return `${space > maxChars * 0.5 ? cut.slice(0, space) : cut}…`;
}
