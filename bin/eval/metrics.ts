/** Retrieval quality over labelled queries: recall at 1 and 3 (a relevant article in the top n) and mean reciprocal rank. */
export interface RetrievalScores {
  queries: number;
  recallAt1: number;
  recallAt3: number;
  mrr: number;
}

/** Scores ranked article ids against the relevant ones, query by query; ranks beyond the list count as 0 in MRR. */
export function scoreRankings(
  rankings: readonly (readonly string[])[],
  relevant: readonly (readonly string[])[],
): RetrievalScores {
  let r1 = 0;
  let r3 = 0;
  let rr = 0;
  rankings.forEach((ranking, i) => {
    const wanted = new Set(relevant[i]);
    const rank = ranking.findIndex((id) => wanted.has(id));
    if (rank === 0) r1++;
    if (rank >= 0 && rank < 3) r3++;
    if (rank >= 0) rr += 1 / (rank + 1);
  });
  const n = Math.max(1, rankings.length);
  return { queries: rankings.length, recallAt1: r1 / n, recallAt3: r3 / n, mrr: rr / n };
}

export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return 0;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** A plain-text table with aligned columns. */
export function table(rows: readonly (readonly (string | number)[])[]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => String(row[c] ?? '').length)));
  return rows
    .map((row) =>
      row
        .map((cell, c) => String(cell).padEnd(widths[c]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export const pct = (value: number) => `${(value * 100).toFixed(1)}%`;
