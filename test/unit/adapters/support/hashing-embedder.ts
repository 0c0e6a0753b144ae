import { createHash } from 'node:crypto';
import type { Embedder } from '../../../../lambdas/ports/knowledge-index';

/**
 * A deterministic bag-of-words embedder for tests: each word (crudely stemmed) adds a pseudo-random direction, so
 * texts sharing words are close. No model, no network; good enough to exercise vector search plumbing.
 */
export class HashingEmbedder implements Embedder {
  constructor(readonly dimensions = 64) {}

  async embed(texts: string[]): Promise<number[][]> {
    return texts.map((text) => {
      const vector = new Array<number>(this.dimensions).fill(0);
      for (const word of text
        .toLowerCase()
        .split(/[^a-z0-9]+/)
        .filter((w) => w.length > 2)) {
        const digest = createHash('md5')
          .update(word.replace(/(ing|ed|es|s)$/, ''))
          .digest();
        for (let i = 0; i < this.dimensions; i++)
          vector[i]! += (digest[i % 16]! & 1 ? 1 : -1) * ((digest[(i + 3) % 16]! % 5) + 1);
      }
      const norm = Math.sqrt(vector.reduce((s, v) => s + v * v, 0));
      return norm > 0 ? vector.map((v) => v / norm) : vector;
    });
  }
}
