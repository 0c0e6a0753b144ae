import { createHash } from 'node:crypto';
import {
  BedrockRuntimeClient,
  InvokeModelCommand,
  type InvokeModelCommandInput,
} from '@aws-sdk/client-bedrock-runtime';
import { mockClient } from 'aws-sdk-client-mock';
import { BedrockTitanEmbedder, EmbeddingShapeError } from '../../../lambdas/adapters/aws/bedrock-titan-embedder';
import { createUseEmbedder } from '../../../lambdas/adapters/local/use-embedder';
import type { Embedder } from '../../../lambdas/ports/knowledge-index';

/**
 * A stand-in for Titan V2 behind InvokeModel: it answers the documented body `{inputText, dimensions, normalize}`
 * with `{embedding, inputTextTokenCount}`, a unit vector derived from the text (no semantics, but deterministic).
 */
function titanFake(client: BedrockRuntimeClient, bodies: Record<string, unknown>[]) {
  mockClient(client)
    .on(InvokeModelCommand)
    .callsFake((input: InvokeModelCommandInput) => {
      const body = JSON.parse(String(input.body)) as { inputText: string; dimensions: number; normalize: boolean };
      bodies.push(body);
      const seed = createHash('sha256').update(body.inputText).digest();
      const vector = Array.from({ length: body.dimensions }, (_, i) => (seed[i % 32]! - 127.5) * (1 + (i % 7)));
      const norm = Math.sqrt(vector.reduce((s, v) => s + v * v, 0));
      const embedding = body.normalize ? vector.map((v) => v / norm) : vector;
      return {
        body: new TextEncoder().encode(
          JSON.stringify({ embedding, inputTextTokenCount: body.inputText.split(' ').length }),
        ) as never,
        contentType: 'application/json',
      };
    });
}

const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

describe.each<[string, () => Embedder]>([
  [
    'Titan Text Embeddings V2',
    () => {
      const client = new BedrockRuntimeClient({
        region: 'us-east-1',
        credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
      });
      titanFake(client, []);
      return new BedrockTitanEmbedder({ client, dimensions: 512 });
    },
  ],
  ['offline Universal Sentence Encoder', () => createUseEmbedder()],
])('the %s embedder', (_name, make) => {
  const embedder = make();
  const texts = ['Disk full on the database host', 'VPN drops every few minutes', 'Disk full on the database host'];

  it('returns one unit vector of its declared size per text, in order', async () => {
    const vectors = await embedder.embed(texts);
    expect(vectors).toHaveLength(3);
    for (const vector of vectors) {
      expect(vector).toHaveLength(embedder.dimensions);
      expect(norm(vector)).toBeCloseTo(1, 3);
    }
  });

  it('is deterministic: the same text gives the same vector, another text another one', async () => {
    const [a, b, c] = await embedder.embed(texts);
    expect(c).toEqual(a);
    expect(b).not.toEqual(a);
  });

  it('gives empty text a zero vector instead of failing', async () => {
    const [vector] = await embedder.embed(['   ']);
    expect(vector).toHaveLength(embedder.dimensions);
    expect(norm(vector!)).toBe(0);
  });

  it('handles an empty batch', async () => {
    await expect(embedder.embed([])).resolves.toEqual([]);
  });
});

describe('the Titan embedder specifically', () => {
  it('sends the documented V2 body and normalises whitespace', async () => {
    const client = new BedrockRuntimeClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    });
    const bodies: Record<string, unknown>[] = [];
    titanFake(client, bodies);
    await new BedrockTitanEmbedder({ client, dimensions: 256, modelId: 'amazon.titan-embed-text-v2:0' }).embed([
      '  pod   CrashLoopBackOff\n',
    ]);
    expect(bodies).toEqual([{ inputText: 'pod CrashLoopBackOff', dimensions: 256, normalize: true }]);
  });

  it('refuses a vector of the wrong size rather than corrupting the index', async () => {
    const client = new BedrockRuntimeClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    });
    mockClient(client)
      .on(InvokeModelCommand)
      .resolves({ body: new TextEncoder().encode(JSON.stringify({ embedding: [1, 0, 0] })) as never });
    await expect(new BedrockTitanEmbedder({ client, dimensions: 1024 }).embed(['x'])).rejects.toBeInstanceOf(
      EmbeddingShapeError,
    );
  });
});

describe('the offline sentence encoder', () => {
  it('puts a paraphrase closer than an unrelated sentence', async () => {
    const [a, b, c] = await createUseEmbedder().embed([
      'The server ran out of disk space',
      'No space left on the volume of the host',
      'I forgot my password and cannot log in',
    ]);
    const dot = (x: number[], y: number[]) => x.reduce((s, v, i) => s + v * y[i]!, 0);
    expect(dot(a!, b!)).toBeGreaterThan(dot(a!, c!));
  });
});
