import type { KnowledgeHit } from '../../lambdas/ports/knowledge-index';

/** A short, classic English stop list: function words only, nothing chosen for IT text. */
const STOP = new Set(
  'a an and are as at be but by for from has have in is it its of on or that the this to was were will with'.split(' '),
);

const tokens = (text: string) =>
  text
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((t) => t.length > 0 && !STOP.has(t));

/**
 * The baseline to beat: plain Okapi BM25 (k1 = 1.2, b = 0.75) over whole articles (title + body), lower-case word
 * tokens, a classic stop list, no stemming, no identifier splitting, no synonyms, no field boosts, no vectors.
 */
export class PlainBm25 {
  private readonly docs: { articleId: string; title: string; length: number; tf: Map<string, number> }[];
  private readonly df = new Map<string, number>();
  private readonly avgLength: number;

  constructor(articles: readonly { articleId: string; title: string; body: string }[]) {
    this.docs = articles.map((article) => {
      const list = tokens(`${article.title}\n${article.body}`);
      const tf = new Map<string, number>();
      for (const t of list) tf.set(t, (tf.get(t) ?? 0) + 1);
      for (const t of tf.keys()) this.df.set(t, (this.df.get(t) ?? 0) + 1);
      return { articleId: article.articleId, title: article.title, length: list.length, tf };
    });
    this.avgLength = this.docs.reduce((sum, d) => sum + d.length, 0) / Math.max(1, this.docs.length);
  }

  search(query: string, k: number): KnowledgeHit[] {
    const terms = [...new Set(tokens(query))];
    const n = this.docs.length;
    return this.docs
      .map((doc) => {
        let score = 0;
        for (const term of terms) {
          const tf = doc.tf.get(term);
          if (!tf) continue;
          const df = this.df.get(term)!;
          const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
          score += (idf * (tf * 2.2)) / (tf + 1.2 * (0.25 + (0.75 * doc.length) / this.avgLength));
        }
        return { articleId: doc.articleId, title: doc.title, score, snippet: '' };
      })
      .filter((hit) => hit.score > 0)
      .sort((a, b) => b.score - a.score)
      .slice(0, k);
  }
}
