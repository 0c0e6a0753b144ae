import {
  type BedrockRuntimeClient,
  InvokeModelCommand,
  type InvokeModelCommandOutput,
} from '@aws-sdk/client-bedrock-runtime';
import * as z from 'zod';
import { type BackoffOptions, isThrottlingError, withBackoff } from '../../llm/backoff';
import type { Embedder } from '../../ports/knowledge-index';
import { TransientError } from '../../shared/errors';

/** Output sizes Titan Text Embeddings V2 offers. */
export type TitanDimensions = 256 | 512 | 1024;

/** Options of {@link BedrockTitanEmbedder}. */
export interface BedrockTitanEmbedderOptions {
  readonly client: BedrockRuntimeClient;
  /** @default 'amazon.titan-embed-text-v2:0' */
  readonly modelId?: string;
  /** @default 1024 */
  readonly dimensions?: TitanDimensions;
  /** Requests in flight at once; each InvokeModel call embeds one text. @default 4 */
  readonly concurrency?: number;
  /**
   * Characters sent per text. The model reads at most 8,192 tokens; retrieval chunks are far shorter, and a cap
   * keeps one pathological document from failing a whole sync. @default 20000
   */
  readonly maxChars?: number;
  readonly backoff?: Omit<BackoffOptions, 'retryable'>;
}

const TitanResponse = z.object({ embedding: z.array(z.number()), inputTextTokenCount: z.number().optional() });

/** Names Titan embeddings of one size in model files trained on them (the triage classifier). */
export function titanModelId(modelId: string, dimensions: TitanDimensions): string {
  return `${modelId}/${dimensions}`;
}

/** Thrown when the model answers with a vector of the wrong size: an index built on it would be corrupt. */
export class EmbeddingShapeError extends Error {
  override readonly name = 'EmbeddingShapeError';
}

/**
 * {@link Embedder} on Amazon Titan Text Embeddings V2 through InvokeModel: body `{inputText, dimensions, normalize}`,
 * answer `{embedding, inputTextTokenCount}`. Vectors come back unit length (`normalize: true`), so inner product is
 * cosine similarity, as in the local embedder. Empty texts get a zero vector without a call.
 */
export class BedrockTitanEmbedder implements Embedder {
  readonly dimensions: TitanDimensions;
  readonly modelId: string;
  private readonly concurrency: number;
  private readonly maxChars: number;

  constructor(private readonly options: BedrockTitanEmbedderOptions) {
    this.dimensions = options.dimensions ?? 1024;
    this.modelId = options.modelId ?? 'amazon.titan-embed-text-v2:0';
    this.concurrency = Math.max(1, options.concurrency ?? 4);
    this.maxChars = options.maxChars ?? 20_000;
  }

  async embed(texts: string[]): Promise<number[][]> {
    const results: number[][] = new Array(texts.length);
    let next = 0;
    const worker = async () => {
      while (next < texts.length) {
        const index = next++;
        results[index] = await this.embedOne(texts[index] ?? '');
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, texts.length) }, worker));
    return results;
  }

  private async embedOne(text: string): Promise<number[]> {
    const input = text.replace(/\s+/g, ' ').trim().slice(0, this.maxChars);
    if (!input) return new Array<number>(this.dimensions).fill(0);
    const body = JSON.stringify({ inputText: input, dimensions: this.dimensions, normalize: true });
    let response: InvokeModelCommandOutput;
    try {
      response = await withBackoff(
        () =>
          this.options.client.send(
            new InvokeModelCommand({
              modelId: this.modelId,
              contentType: 'application/json',
              accept: 'application/json',
              body,
            }),
          ),
        { ...this.options.backoff, retryable: isThrottlingError },
      );
    } catch (error) {
      if (isThrottlingError(error))
        throw new TransientError(`Titan embeddings kept throttling: ${(error as Error).message}`);
      throw error;
    }
    const parsed = TitanResponse.parse(JSON.parse(new TextDecoder().decode(response.body)));
    if (parsed.embedding.length !== this.dimensions) {
      throw new EmbeddingShapeError(
        `${this.modelId} returned ${parsed.embedding.length} dimensions, expected ${this.dimensions}`,
      );
    }
    return parsed.embedding;
  }
}
