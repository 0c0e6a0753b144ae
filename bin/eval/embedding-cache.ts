import { createHash } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Embedder } from '../../lambdas/ports/knowledge-index';

/** Where evaluation runs keep embeddings between runs (under node_modules, so never committed). */
export const EVAL_CACHE_DIR = resolve(__dirname, '..', '..', 'node_modules', '.cache', 'lumos-eval');

/**
 * An {@link Embedder} that remembers every vector it computed in a local file, keyed by a hash of the text: the
 * evaluation embeds the same public texts on every run, and on a shared two-core machine the encoder is the slow
 * part. Vectors are stored as float32, so a cached run scores exactly like a fresh one.
 */
export class FileCachedEmbedder implements Embedder {
  readonly dimensions: number;
  private memory?: Map<string, number[]>;

  constructor(
    private readonly inner: Embedder,
    private readonly file: string,
  ) {
    this.dimensions = inner.dimensions;
  }

  async embed(texts: string[]): Promise<number[][]> {
    const memory = await this.load();
    const keys = texts.map((text) => createHash('sha256').update(text).digest('base64url').slice(0, 24));
    const missing = [...new Set(keys.filter((key) => !memory.has(key)))];
    if (missing.length > 0) {
      const byKey = new Map(keys.map((key, i) => [key, texts[i]!]));
      const vectors = await this.inner.embed(missing.map((key) => byKey.get(key)!));
      const lines = missing.map((key, i) => {
        memory.set(key, vectors[i]!);
        return JSON.stringify({ k: key, v: Buffer.from(Float32Array.from(vectors[i]!).buffer).toString('base64') });
      });
      await mkdir(dirname(this.file), { recursive: true });
      await appendFile(this.file, `${lines.join('\n')}\n`);
    }
    return keys.map((key) => memory.get(key)!);
  }

  private async load(): Promise<Map<string, number[]>> {
    if (this.memory) return this.memory;
    const memory = new Map<string, number[]>();
    const text = await readFile(this.file, 'utf8').catch(() => '');
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        const { k, v } = JSON.parse(line) as { k: string; v: string };
        const bytes = Buffer.from(v, 'base64');
        memory.set(k, Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4)));
      } catch {
        // A line cut short by an interrupted run: that text is simply embedded again.
      }
    }
    this.memory = memory;
    return memory;
  }
}
