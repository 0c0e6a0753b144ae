import { readFile, stat } from 'node:fs/promises';
import { EmbeddingTriageClassifier, type NamedEmbedder } from '../../agents/triage/classifier';
import { parseTriageModel } from '../../agents/triage/model-file';
import type { TriageClassifier, TriageModelStore } from '../../ports/triage-model';

/**
 * {@link TriageModelStore} over a model file written by `bin/train-triage.ts`, read with the embedder the model was
 * trained on. A missing file means no model (triage then runs on its rules); a file that is present but invalid, or
 * trained on other embeddings, is an error worth failing loudly for. The parsed model is kept until the file changes,
 * so retraining takes effect without a restart.
 */
export class FileTriageModelStore implements TriageModelStore {
  private cached?: { mtimeMs: number; classifier: TriageClassifier };

  constructor(
    private readonly path: string,
    private readonly embedding: NamedEmbedder,
  ) {}

  async load(): Promise<TriageClassifier | undefined> {
    const info = await stat(this.path).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (!info) return undefined;
    if (this.cached?.mtimeMs === info.mtimeMs) return this.cached.classifier;
    const model = parseTriageModel(JSON.parse(await readFile(this.path, 'utf8')));
    const classifier = new EmbeddingTriageClassifier(model, this.embedding);
    this.cached = { mtimeMs: info.mtimeMs, classifier };
    return classifier;
  }
}

/** No trained model: triage relies on its rules and (in AWS) the language model. */
export const noTriageModel: TriageModelStore = { load: async () => undefined };
