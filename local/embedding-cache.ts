import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Embedder } from '../lambdas/ports/knowledge-index';

/** Layout version of the cache file; a file of another version is ignored and rewritten. */
const FORMAT_VERSION = 1;

interface CacheHeader {
  version: number;
  modelId: string;
  dimensions: number;
  /** Content hashes, in the order of the vectors that follow the header. */
  keys: string[];
}

/** What a cache did during a build. */
export interface EmbeddingCacheStats {
  /** Vectors read from the file. */
  loaded: number;
  /** Vectors the model had to compute. */
  computed: number;
}

/**
 * An {@link Embedder} that keeps the vectors of the texts it embeds in one file, keyed by a SHA-256 of the model id
 * and the exact text, so a restart reuses the vectors of every chunk whose text did not change instead of running
 * the model again. Only the texts embedded before {@link EmbeddingCache.save} are kept (queries are not written),
 * and the file holds only those, so it never grows past one knowledge base.
 *
 * The file is a 4-byte header length, a JSON header (version, model id, dimensions, keys) and the vectors as
 * little-endian float64, written to a temporary file and renamed into place. A file that is missing, torn, of
 * another model or of another shape is treated as empty: it is a cache, the model can always rebuild it.
 */
export class EmbeddingCache implements Embedder {
  readonly dimensions: number;
  private readonly used = new Map<string, number[]>();
  private sealed = false;
  private computed = 0;
  private hits = 0;

  private constructor(
    private readonly inner: Embedder,
    private readonly file: string,
    private readonly modelId: string,
    private readonly stored: Map<string, number[]>,
  ) {
    this.dimensions = inner.dimensions;
  }

  /** Opens the cache file (absent or unreadable: an empty cache) in front of `embedder`. */
  static async open(input: { file: string; modelId: string; embedder: Embedder }): Promise<EmbeddingCache> {
    const stored = await readCacheFile(input.file, input.modelId, input.embedder.dimensions);
    return new EmbeddingCache(input.embedder, input.file, input.modelId, stored);
  }

  async embed(texts: string[]): Promise<number[][]> {
    const keys = texts.map((text) => this.key(text));
    const results: (number[] | undefined)[] = keys.map((key) => this.used.get(key) ?? this.stored.get(key));
    const missing = [...new Set(texts.filter((_, i) => results[i] === undefined))];
    const fresh = new Map<string, number[]>();
    if (missing.length > 0) {
      const vectors = await this.inner.embed(missing);
      missing.forEach((text, i) => {
        fresh.set(this.key(text), vectors[i]!);
      });
      this.computed += missing.length;
    }
    return keys.map((key, i) => {
      const vector = results[i] ?? fresh.get(key)!;
      if (!this.sealed) {
        if (results[i] !== undefined && !this.used.has(key)) this.hits += 1;
        this.used.set(key, vector);
      }
      return vector;
    });
  }

  /**
   * Writes the vectors embedded so far (only when they differ from what the file holds) and stops recording, so
   * later calls (queries) are answered without being kept. A failed write is reported, not thrown: the next start
   * just embeds again.
   */
  async save(onError: (error: unknown) => void = () => undefined): Promise<EmbeddingCacheStats> {
    const stats = { loaded: this.hits, computed: this.computed };
    if (this.sealed) return stats;
    this.sealed = true;
    const unchanged = this.used.size === this.stored.size && [...this.used.keys()].every((key) => this.stored.has(key));
    if (!unchanged) {
      await writeCacheFile(this.file, this.modelId, this.dimensions, this.used).catch(onError);
    }
    return stats;
  }

  private key(text: string): string {
    return createHash('sha256').update(this.modelId).update('\0').update(text).digest('base64url');
  }
}

async function readCacheFile(file: string, modelId: string, dimensions: number): Promise<Map<string, number[]>> {
  const vectors = new Map<string, number[]>();
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch {
    return vectors;
  }
  try {
    if (bytes.length < 4) return vectors;
    const headerLength = bytes.readUInt32LE(0);
    const header = JSON.parse(bytes.subarray(4, 4 + headerLength).toString('utf8')) as CacheHeader;
    if (header.version !== FORMAT_VERSION || header.modelId !== modelId || header.dimensions !== dimensions) {
      return vectors;
    }
    const body = bytes.subarray(4 + headerLength);
    if (!Array.isArray(header.keys) || body.length !== header.keys.length * dimensions * 8) return vectors;
    header.keys.forEach((key, i) => {
      const vector = new Array<number>(dimensions);
      const start = i * dimensions * 8;
      for (let d = 0; d < dimensions; d++) vector[d] = body.readDoubleLE(start + d * 8);
      vectors.set(key, vector);
    });
    return vectors;
  } catch {
    return new Map();
  }
}

async function writeCacheFile(
  file: string,
  modelId: string,
  dimensions: number,
  vectors: Map<string, number[]>,
): Promise<void> {
  const header: CacheHeader = { version: FORMAT_VERSION, modelId, dimensions, keys: [...vectors.keys()] };
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const out = Buffer.alloc(4 + headerBytes.length + vectors.size * dimensions * 8);
  out.writeUInt32LE(headerBytes.length, 0);
  headerBytes.copy(out, 4);
  let offset = 4 + headerBytes.length;
  for (const vector of vectors.values()) {
    for (let d = 0; d < dimensions; d++) {
      out.writeDoubleLE(vector[d] ?? 0, offset);
      offset += 8;
    }
  }
  await mkdir(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, out);
  await rename(temporary, file);
}
