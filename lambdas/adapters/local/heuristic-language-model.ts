import { estimateTokens, type TokenBudget } from '../../llm/token-budget';
import { assertToolName, checkModelOutput } from '../../llm/tool-schema';
import { renderUserTurn } from '../../llm/untrusted-data';
import {
  type LanguageModel,
  LanguageModelUnavailableError,
  ModelOutputInvalidError,
  type StructuredRequest,
  type StructuredResponse,
} from '../../ports/llm';

/**
 * A deterministic stand-in for a model on one task: it reads the same request a model would (trusted facts and
 * untrusted data) and returns an answer for the task's schema. Skills are pure functions with no network.
 */
export type HeuristicSkill = (request: StructuredRequest<unknown>) => unknown;

/** Options of {@link HeuristicLanguageModel}. */
export interface HeuristicLanguageModelOptions {
  /** Skill per task name (the request's `task`). Tasks without one are unavailable, and the agent does without. */
  readonly skills: Readonly<Record<string, HeuristicSkill>>;
  readonly budget: TokenBudget;
}

/**
 * The local {@link LanguageModel}: no LLM runs offline, so each task it knows is answered by a deterministic skill.
 * It keeps the contract of the Bedrock adapter: answers are validated against the request's schema (a skill's bug
 * surfaces as ModelOutputInvalidError), usage is charged to the incident (estimated at four characters per token,
 * from the same rendered prompt a model would see) and the per-incident budget is enforced.
 */
export class HeuristicLanguageModel implements LanguageModel {
  constructor(private readonly options: HeuristicLanguageModelOptions) {}

  async generate<T>(request: StructuredRequest<T>): Promise<StructuredResponse<T>> {
    assertToolName(request.task);
    const skill = this.options.skills[request.task];
    if (!skill) throw new LanguageModelUnavailableError(`no local skill answers '${request.task}'`);
    const inputTokens = estimateTokens(renderUserTurn(request, 'local'));
    await this.options.budget.ensureRoom(request.incidentId, inputTokens);
    const raw = skill(request as StructuredRequest<unknown>);
    const usage = { inputTokens, outputTokens: estimateTokens(JSON.stringify(raw) ?? '') };
    await this.options.budget.charge(request.incidentId, request.agent, usage);
    const checked = checkModelOutput(request.schema, raw);
    if (!checked.ok) {
      throw new ModelOutputInvalidError(`local skill ${request.task} gave an invalid answer`, checked.issues);
    }
    return { output: checked.value, usage, modelId: `local:${request.task}` };
  }
}
