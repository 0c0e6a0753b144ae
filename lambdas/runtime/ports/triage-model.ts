import { BedrockTitanEmbedder, type TitanDimensions, titanModelId } from '../../adapters/aws/bedrock-titan-embedder';
import { FileTriageModelStore, noTriageModel } from '../../adapters/local/file-triage-model';
import type { TriageModelStore } from '../../ports/triage-model';
import { bedrockClient } from '../aws/bedrock-client';
import { definePort } from '../dependencies';

/**
 * The triage classifier shipped with the function (`TRIAGE_MODEL_PATH`), read with Titan Text Embeddings V2
 * (`BEDROCK_EMBEDDING_MODEL_ID`, `TRIAGE_EMBEDDING_DIMENSIONS`, default 1024), so it must have been trained with
 * `bin/train-triage.ts --embedder titan`; else none, and triage runs on its rules and Bedrock. Optional, so it
 * requires no access of its own.
 */
export const triageModelStore = definePort<TriageModelStore>('triageModel', { access: [], env: [] }, () => {
  const path = process.env.TRIAGE_MODEL_PATH;
  if (!path) return noTriageModel;
  const dimensions = Number(process.env.TRIAGE_EMBEDDING_DIMENSIONS ?? 1024) as TitanDimensions;
  const embedder = new BedrockTitanEmbedder({
    client: bedrockClient(),
    modelId: process.env.BEDROCK_EMBEDDING_MODEL_ID,
    dimensions,
  });
  return new FileTriageModelStore(path, { embedder, model: titanModelId(embedder.modelId, dimensions) });
});
