import {
  type BedrockRuntimeClient,
  type ContentBlock,
  ConverseCommand,
  type ConverseCommandInput,
  type ConverseCommandOutput,
  type Message,
} from '@aws-sdk/client-bedrock-runtime';
import { type BackoffOptions, isThrottlingError, withBackoff } from '../../llm/backoff';
import { agentSettings, type LlmSettings } from '../../llm/model-settings';
import { estimateTokens, type TokenBudget } from '../../llm/token-budget';
import { assertToolName, checkModelOutput, toToolInputSchema } from '../../llm/tool-schema';
import { newBoundary, renderUserTurn, systemPromptFor } from '../../llm/untrusted-data';
import {
  GuardrailInterventionError,
  type LanguageModel,
  ModelOutputInvalidError,
  type StructuredRequest,
  type StructuredResponse,
  type TokenUsage,
} from '../../ports/llm';
import { TransientError } from '../../shared/errors';

/** Options of {@link BedrockLanguageModel}. */
export interface BedrockLanguageModelOptions {
  readonly client: BedrockRuntimeClient;
  readonly settings: LlmSettings;
  readonly budget: TokenBudget;
  /** Retry policy for throttling; the SDK client should be built with `maxAttempts: 1` so this is the only one. */
  readonly backoff?: Omit<BackoffOptions, 'retryable'>;
}

/**
 * {@link LanguageModel} on the Bedrock Converse API. The answer is obtained as the input of one forced tool whose
 * schema is the request's zod schema, then validated; an invalid answer is shown its problems once (as a failed tool
 * result) and must correct itself. Throttling is retried with backoff; every call's real usage is charged to the
 * incident, and a call the incident's budget cannot afford is never made.
 */
export class BedrockLanguageModel implements LanguageModel {
  constructor(private readonly options: BedrockLanguageModelOptions) {}

  async generate<T>(request: StructuredRequest<T>): Promise<StructuredResponse<T>> {
    assertToolName(request.task);
    const agent = agentSettings(this.options.settings, request.agent);
    const userTurn = renderUserTurn(request, newBoundary());
    const system = systemPromptFor(agent.systemPrompt);
    const base: Omit<ConverseCommandInput, 'messages'> = {
      modelId: agent.modelId,
      system: [{ text: system }],
      inferenceConfig: { maxTokens: agent.maxTokens, temperature: agent.temperature },
      toolConfig: {
        tools: [
          {
            toolSpec: {
              name: request.task,
              description: request.taskDescription,
              inputSchema: { json: toToolInputSchema(request.schema) as never },
            },
          },
        ],
        toolChoice: agent.toolChoice === 'tool' ? { tool: { name: request.task } } : { any: {} },
      },
      ...(this.options.settings.guardrail
        ? {
            guardrailConfig: {
              guardrailIdentifier: this.options.settings.guardrail.id,
              guardrailVersion: this.options.settings.guardrail.version,
              trace: 'disabled',
            },
          }
        : {}),
    };

    const messages: Message[] = [{ role: 'user', content: [{ text: userTurn }] }];
    const total = { inputTokens: 0, outputTokens: 0 };
    let issues: string[] = [];
    for (let attempt = 1; attempt <= 2; attempt++) {
      const promptChars = system.length + messages.reduce((sum, m) => sum + JSON.stringify(m.content).length, 0);
      await this.options.budget.ensureRoom(request.incidentId, estimateTokens(promptChars) + agent.maxTokens);
      const response = await this.converse({ ...base, messages });
      const usage: TokenUsage = {
        inputTokens: response.usage?.inputTokens ?? 0,
        outputTokens: response.usage?.outputTokens ?? 0,
      };
      total.inputTokens += usage.inputTokens;
      total.outputTokens += usage.outputTokens;
      await this.options.budget.charge(request.incidentId, request.agent, usage);

      if (response.stopReason === 'guardrail_intervened') {
        throw new GuardrailInterventionError(`guardrail intervened on ${request.agent}/${request.task}`);
      }
      const reply = response.output?.message;
      const toolUse = reply?.content?.find((block) => block.toolUse?.name === request.task)?.toolUse;
      if (toolUse) {
        const checked = checkModelOutput(request.schema, toolUse.input);
        if (checked.ok) return { output: checked.value, usage: total, modelId: agent.modelId };
        issues = checked.issues;
      } else {
        issues = [`the answer did not call the tool ${request.task}`];
      }
      if (attempt === 2 || !reply?.content) break;
      messages.push({ role: 'assistant', content: reply.content });
      messages.push({ role: 'user', content: correction(request.task, toolUse?.toolUseId, issues) });
    }
    throw new ModelOutputInvalidError(
      `${agent.modelId} gave no valid ${request.task} answer for ${request.agent}: ${issues.join('; ')}`,
      issues,
    );
  }

  private async converse(input: ConverseCommandInput): Promise<ConverseCommandOutput> {
    try {
      return await withBackoff(() => this.options.client.send(new ConverseCommand(input)), {
        ...this.options.backoff,
        retryable: isThrottlingError,
      });
    } catch (error) {
      // Still throttled after backing off: let the workflow's Retry decide, as for any transient failure.
      if (isThrottlingError(error)) throw new TransientError(`Bedrock kept throttling: ${(error as Error).message}`);
      throw error;
    }
  }
}

/** The follow-up turn that shows the model what was wrong with its answer. */
function correction(task: string, toolUseId: string | undefined, issues: string[]): ContentBlock[] {
  const text = `The ${task} input was rejected: ${issues.join('; ')}. Call ${task} again with a corrected input.`;
  return toolUseId
    ? [{ toolResult: { toolUseId, status: 'error', content: [{ text }] } }]
    : [{ text: `You must answer by calling the tool ${task}. ${text}` }];
}
