/** Registers the triage model: the model file shipped with the function (`TRIAGE_MODEL_PATH`), else none. */
import { FileTriageModelStore, noTriageModel } from '../../adapters/local/file-triage-model';
import { registerFactories } from '../dependencies';

registerFactories({
  triageModel: () =>
    process.env.TRIAGE_MODEL_PATH ? new FileTriageModelStore(process.env.TRIAGE_MODEL_PATH) : noTriageModel,
});
