import { readFile, stat } from 'node:fs/promises';
import { parseTriageModel } from '../../agents/triage/model-file';
import type { TriageModel, TriageModelStore } from '../../ports/triage-model';

/**
 * {@link TriageModelStore} over a model file written by `bin/train-triage.ts`. A missing file means no model (triage
 * then runs on its rules); a file that is present but invalid is an error worth failing loudly for. The parsed model is
 * kept until the file changes, so retraining takes effect without a restart.
 */
export class FileTriageModelStore implements TriageModelStore {
  private cached?: { mtimeMs: number; model: TriageModel };

  constructor(private readonly path: string) {}

  async load(): Promise<TriageModel | undefined> {
    const info = await stat(this.path).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (!info) return undefined;
    if (this.cached?.mtimeMs === info.mtimeMs) return this.cached.model;
    const model = parseTriageModel(JSON.parse(await readFile(this.path, 'utf8')));
    this.cached = { mtimeMs: info.mtimeMs, model };
    return model;
  }
}

/** No trained model: triage relies on its rules and (in AWS) the language model. */
export const noTriageModel: TriageModelStore = { load: async () => undefined };
