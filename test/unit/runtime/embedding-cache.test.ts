import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Embedder } from '../../../lambdas/ports/knowledge-index';
import { EmbeddingCache } from '../../../local/embedding-cache';
import { startLocalKnowledge } from '../../../local/knowledge';

/** A deterministic embedder that counts the texts it had to embed. */
function countingEmbedder(dimensions = 4): Embedder & { embedded: string[] } {
  const embedded: string[] = [];
  return {
    dimensions,
    embedded,
    async embed(texts) {
      embedded.push(...texts);
      return texts.map((text) =>
        Array.from({ length: dimensions }, (_, d) => Math.sin(text.length * (d + 1) + text.charCodeAt(0) / 7)),
      );
    },
  };
}

describe('the knowledge embedding cache', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lumos-embedding-cache-'));
    file = join(dir, 'knowledge', 'embeddings.bin');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('gives back exactly the vectors the model computed, and a second open computes none of them', async () => {
    const model = countingEmbedder();
    const first = await EmbeddingCache.open({ file, modelId: 'm1', embedder: model });
    const computed = await first.embed(['alpha', 'beta', 'alpha', 'gamma delta']);
    expect(await first.save()).toEqual({ loaded: 0, computed: 3 });

    const again = countingEmbedder();
    const second = await EmbeddingCache.open({ file, modelId: 'm1', embedder: again });
    expect(await second.embed(['alpha', 'beta', 'alpha', 'gamma delta'])).toEqual(computed);
    expect(again.embedded).toEqual([]);
    expect(await second.save()).toEqual({ loaded: 3, computed: 0 });
  });

  it('embeds only the texts that changed, and keeps only the texts of the latest build', async () => {
    const first = await EmbeddingCache.open({ file, modelId: 'm1', embedder: countingEmbedder() });
    await first.embed(['kept', 'dropped']);
    await first.save();

    const model = countingEmbedder();
    const second = await EmbeddingCache.open({ file, modelId: 'm1', embedder: model });
    await second.embed(['kept', 'added']);
    await second.save();
    expect(model.embedded).toEqual(['added']);

    const third = countingEmbedder();
    const reopened = await EmbeddingCache.open({ file, modelId: 'm1', embedder: third });
    await reopened.embed(['kept', 'added', 'dropped']);
    expect(third.embedded).toEqual(['dropped']);
  });

  it('does not keep what is embedded after save (queries)', async () => {
    const cache = await EmbeddingCache.open({ file, modelId: 'm1', embedder: countingEmbedder() });
    await cache.embed(['chunk']);
    await cache.save();
    await cache.embed(['a query']);

    const model = countingEmbedder();
    await (await EmbeddingCache.open({ file, modelId: 'm1', embedder: model })).embed(['chunk', 'a query']);
    expect(model.embedded).toEqual(['a query']);
  });

  it('never reuses vectors of another model or another size', async () => {
    const cache = await EmbeddingCache.open({ file, modelId: 'm1', embedder: countingEmbedder() });
    await cache.embed(['text']);
    await cache.save();

    const otherModel = countingEmbedder();
    await (await EmbeddingCache.open({ file, modelId: 'm2', embedder: otherModel })).embed(['text']);
    expect(otherModel.embedded).toEqual(['text']);
    const otherSize = countingEmbedder(8);
    const vectors = await (await EmbeddingCache.open({ file, modelId: 'm1', embedder: otherSize })).embed(['text']);
    expect(otherSize.embedded).toEqual(['text']);
    expect(vectors[0]).toHaveLength(8);
  });

  it('treats a torn or garbled file as empty and rewrites it', async () => {
    const cache = await EmbeddingCache.open({ file, modelId: 'm1', embedder: countingEmbedder() });
    await cache.embed(['one', 'two']);
    await cache.save();
    const whole = readFileSync(file);

    for (const broken of [whole.subarray(0, whole.length - 5), Buffer.from('not a cache'), Buffer.alloc(0)]) {
      writeFileSync(file, broken);
      const model = countingEmbedder();
      const reopened = await EmbeddingCache.open({ file, modelId: 'm1', embedder: model });
      await reopened.embed(['one', 'two']);
      expect(model.embedded).toEqual(['one', 'two']);
      await reopened.save();
      expect(readFileSync(file)).toEqual(whole);
    }
  });

  it('reports a failed write and still answers', async () => {
    // A file where the cache's folder should be: the write fails.
    writeFileSync(join(dir, 'knowledge'), 'in the way');
    const cache = await EmbeddingCache.open({ file, modelId: 'm1', embedder: countingEmbedder() });
    const errors: unknown[] = [];
    await cache.embed(['text']);
    await expect(cache.save((error) => errors.push(error))).resolves.toEqual({ loaded: 0, computed: 1 });
    expect(errors).toHaveLength(1);
  });
});

describe('the local knowledge index on restart', () => {
  it('loads the chunk vectors it built before and ranks exactly as a fresh build does', async () => {
    const home = mkdtempSync(join(tmpdir(), 'lumos-knowledge-home-'));
    const kbDir = join(__dirname, '..', '..', '..', 'knowledge');
    try {
      const lines: string[] = [];
      const fresh = await startLocalKnowledge(kbDir, (line) => lines.push(line), home);
      const restarted = await startLocalKnowledge(kbDir, (line) => lines.push(line), home);
      expect(lines[0]).toMatch(/\(0 embeddings reused, \d+ computed\)/);
      expect(lines[1]).toMatch(/\(\d+ embeddings reused, 0 computed\)/);
      for (const query of ['database connections exhausted', 'user cannot log in after password reset']) {
        expect(await restarted.index.search(query, 5)).toEqual(await fresh.index.search(query, 5));
      }
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  }, 120_000);
});
