import { FileTriageModelStore, noTriageModel } from '../../adapters/local/file-triage-model';
import type { TriageModelStore } from '../../ports/triage-model';
import { definePort } from '../dependencies';

/** The triage classifier shipped with the function (`TRIAGE_MODEL_PATH`), else none. */
export const triageModelStore = definePort<TriageModelStore>('triageModel', { access: [], env: [] }, () =>
  process.env.TRIAGE_MODEL_PATH ? new FileTriageModelStore(process.env.TRIAGE_MODEL_PATH) : noTriageModel,
);
