import * as z from 'zod';
import { type BackoffOptions, withBackoff } from '../../llm/backoff';
import { DEFAULT_ROLE_PROMPTS, type LlmSettings } from '../../llm/model-settings';
import { estimateTokens, type TokenBudget } from '../../llm/token-budget';
import { assertToolName, checkModelOutput, toToolInputSchema } from '../../llm/tool-schema';
import { newBoundary, renderUserTurn, systemPromptFor } from '../../llm/untrusted-data';
import {
  type LanguageModel,
  LanguageModelUnavailableError,
  ModelOutputInvalidError,
  type StructuredRequest,
  type StructuredResponse,
  type TokenUsage,
} from '../../ports/llm';
import { TransientError } from '../../shared/errors';

/** How the answer is obtained: a forced tool call, or a JSON object in the message (servers without tool support). */
export type StructuredOutputMode = 'tools' | 'json';

/** Options of {@link OpenAiCompatibleLanguageModel}. */
export interface OpenAiCompatibleOptions {
  /** Server root, with or without `/v1` (`http://localhost:11434` for Ollama, `http://localhost:8000/v1` for vLLM). */
  readonly baseUrl: string;
  /** Model name the server knows (`llama3.1:8b`, `Qwen/Qwen2.5-7B-Instruct`); per-agent `modelId` in settings wins. */
  readonly model: string;
  /** Bearer token, or a function that fetches it (Secrets Manager in AWS); local servers usually need none. */
  readonly apiKey?: string | (() => Promise<string | undefined>);
  /** Per-agent temperature, max tokens, role prompt and model; agents without an entry use the defaults. */
  readonly settings: LlmSettings;
  readonly budget: TokenBudget;
  /**
   * `tools` sends the schema as a function tool and forces it with `tool_choice`; `json` asks for a JSON object
   * (`response_format: {type: 'json_object'}`) with the schema in the prompt. In `tools` mode, a server that rejects
   * tools makes the adapter switch to `json` for the rest of its life. @default 'tools'
   */
  readonly mode?: StructuredOutputMode;
  /** Per-request timeout in milliseconds (local models can be slow). @default 120000 */
  readonly timeoutMs?: number;
  /** Retries on 429, 5xx, timeouts and refused connections. */
  readonly backoff?: Omit<BackoffOptions, 'retryable'>;
  /** Injected in tests; defaults to the global fetch. */
  readonly fetch?: typeof fetch;
}

/** The server answered with an error that retrying will not fix (bad request, wrong key, unknown model). */
export class ModelEndpointError extends Error {
  override readonly name = 'ModelEndpointError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** Statuses and failures worth another attempt. */
class RetryableHttpError extends Error {
  override readonly name = 'RetryableHttpError';
}

const ToolCall = z.object({
  id: z.string().optional(),
  type: z.string().optional(),
  function: z.object({ name: z.string(), arguments: z.union([z.string(), z.record(z.string(), z.unknown())]) }),
});
const ChatCompletion = z.object({
  model: z.string().optional(),
  choices: z
    .array(
      z.object({
        message: z.object({
          role: z.string().optional(),
          content: z.string().nullish(),
          tool_calls: z.array(ToolCall).nullish(),
        }),
        finish_reason: z.string().nullish(),
      }),
    )
    .min(1),
  usage: z.object({ prompt_tokens: z.number().optional(), completion_tokens: z.number().optional() }).nullish(),
});
type ChatCompletion = z.infer<typeof ChatCompletion>;
type ChatMessage = Record<string, unknown>;

/**
 * {@link LanguageModel} for any server that speaks the OpenAI chat completions API (Ollama, vLLM, llama.cpp server,
 * LM Studio, hosted gateways): `POST {base}/v1/chat/completions`. It keeps the Bedrock adapter's contract: the
 * answer is the arguments of one forced function tool whose parameters are the request's schema (or, for servers
 * without tools, a JSON object), validated before anyone sees it and shown its problems once; untrusted text only in
 * delimited data in the user turn; every call's usage charged to the incident after the budget was checked; 429 and
 * 5xx retried with backoff, then reported as a transient error the workflow retries.
 */
export class OpenAiCompatibleLanguageModel implements LanguageModel {
  private mode: StructuredOutputMode;
  private readonly endpoint: string;

  constructor(private readonly options: OpenAiCompatibleOptions) {
    this.mode = options.mode ?? 'tools';
    const base = options.baseUrl.replace(/\/+$/, '');
    this.endpoint = `${/\/v1$/.test(base) ? base : `${base}/v1`}/chat/completions`;
  }

  async generate<T>(request: StructuredRequest<T>): Promise<StructuredResponse<T>> {
    assertToolName(request.task);
    const own = this.options.settings.agents[request.agent];
    const rolePrompt = own?.systemPrompt ?? DEFAULT_ROLE_PROMPTS[request.agent];
    if (!rolePrompt) throw new LanguageModelUnavailableError(`agent '${request.agent}' has no role prompt`);
    const modelId = own?.modelId ?? this.options.model;
    const maxTokens = own?.maxTokens ?? 1024;
    const temperature = own?.temperature ?? 0;
    const schema = toToolInputSchema(request.schema);
    const system = systemPromptFor(rolePrompt);
    const userTurn = renderUserTurn(request, newBoundary());

    const messages: ChatMessage[] = [
      { role: 'system', content: system },
      { role: 'user', content: this.mode === 'json' ? withJsonSchema(userTurn, schema) : userTurn },
    ];
    const total = { inputTokens: 0, outputTokens: 0 };
    let issues: string[] = [];
    for (let attempt = 1; attempt <= 2; attempt++) {
      const promptChars = messages.reduce((sum, m) => sum + JSON.stringify(m).length, 0);
      await this.options.budget.ensureRoom(request.incidentId, estimateTokens(promptChars) + maxTokens);
      const body = {
        model: modelId,
        messages,
        temperature,
        max_tokens: maxTokens,
        ...(this.mode === 'tools'
          ? {
              tools: [
                {
                  type: 'function',
                  function: { name: request.task, description: request.taskDescription, parameters: schema },
                },
              ],
              tool_choice: { type: 'function', function: { name: request.task } },
            }
          : { response_format: { type: 'json_object' } }),
      };
      const response = await this.complete(body, request.task, messages, schema, userTurn);
      const usage: TokenUsage = {
        inputTokens: response.usage?.prompt_tokens ?? estimateTokens(promptChars),
        outputTokens: response.usage?.completion_tokens ?? estimateTokens(JSON.stringify(response.choices[0]!.message)),
      };
      total.inputTokens += usage.inputTokens;
      total.outputTokens += usage.outputTokens;
      await this.options.budget.charge(request.incidentId, request.agent, usage);

      const message = response.choices[0]!.message;
      const call = message.tool_calls?.find((c) => c.function.name === request.task);
      let raw: unknown;
      let parsed = false;
      if (call) {
        ({ raw, parsed } = parseArguments(call.function.arguments));
        if (!parsed) issues = ['the tool arguments were not valid JSON'];
      } else if (message.content) {
        // JSON mode, or a server that answered in text although asked for the tool: take a JSON object if there is one.
        ({ raw, parsed } = parseArguments(extractJson(message.content)));
        if (!parsed) issues = [`the answer did not call the tool ${request.task} and held no JSON object`];
      } else {
        issues = [`the answer did not call the tool ${request.task}`];
      }
      if (parsed) {
        const checked = checkModelOutput(request.schema, raw);
        if (checked.ok) return { output: checked.value, usage: total, modelId };
        issues = checked.issues;
      }
      if (attempt === 2) break;
      const text = `The ${request.task} answer was rejected: ${issues.join('; ')}. Answer again with a corrected ${this.mode === 'tools' ? `call of ${request.task}` : 'JSON object'}.`;
      if (call?.id && this.mode === 'tools') {
        messages.push({ role: 'assistant', content: message.content ?? null, tool_calls: [call] });
        messages.push({ role: 'tool', tool_call_id: call.id, content: text });
      } else {
        messages.push({ role: 'assistant', content: message.content ?? '' });
        messages.push({ role: 'user', content: text });
      }
    }
    throw new ModelOutputInvalidError(
      `${modelId} gave no valid ${request.task} answer for ${request.agent}: ${issues.join('; ')}`,
      issues,
    );
  }

  /** One chat completion, retried on throttling and server errors; switches to JSON mode if tools are refused. */
  private async complete(
    body: Record<string, unknown>,
    task: string,
    messages: ChatMessage[],
    schema: Record<string, unknown>,
    userTurn: string,
  ): Promise<ChatCompletion> {
    try {
      return await withBackoff(() => this.post(body), {
        ...this.options.backoff,
        retryable: (error) => error instanceof RetryableHttpError,
      });
    } catch (error) {
      if (error instanceof RetryableHttpError)
        throw new TransientError(`the model server at ${this.endpoint} kept failing: ${error.message}`);
      if (
        error instanceof ModelEndpointError &&
        this.mode === 'tools' &&
        (error.status === 400 || error.status === 422) &&
        /tool/i.test(error.message)
      ) {
        // The server (or this model on it) has no tool calling: ask for a JSON object instead, from now on.
        this.mode = 'json';
        messages[1] = { role: 'user', content: withJsonSchema(userTurn, schema) };
        const { tools: _tools, tool_choice: _choice, ...rest } = body;
        return this.complete(
          { ...rest, messages, response_format: { type: 'json_object' } },
          task,
          messages,
          schema,
          userTurn,
        );
      }
      throw error;
    }
  }

  private async post(body: Record<string, unknown>): Promise<ChatCompletion> {
    const key = typeof this.options.apiKey === 'function' ? await this.options.apiKey() : this.options.apiKey;
    const doFetch = this.options.fetch ?? fetch;
    let response: Response;
    try {
      response = await doFetch(this.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 120_000),
      });
    } catch (error) {
      // Timeouts and refused or reset connections: the server may be starting or overloaded.
      throw new RetryableHttpError(`${(error as Error).name}: ${(error as Error).message}`);
    }
    const text = await response.text();
    if (response.status === 429 || response.status >= 500)
      throw new RetryableHttpError(`HTTP ${response.status}: ${text.slice(0, 300)}`);
    if (!response.ok)
      throw new ModelEndpointError(
        `HTTP ${response.status} from ${this.endpoint}: ${text.slice(0, 500)}`,
        response.status,
      );
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new ModelEndpointError(
        `the model server answered with something other than JSON: ${text.slice(0, 200)}`,
        response.status,
      );
    }
    const parsed = ChatCompletion.safeParse(json);
    if (!parsed.success)
      throw new ModelEndpointError(`not a chat completion: ${z.prettifyError(parsed.error)}`, response.status);
    return parsed.data;
  }
}

/** The JSON-mode user turn: the trusted instructions and data as before, then the schema the object must match. */
function withJsonSchema(userTurn: string, schema: Record<string, unknown>): string {
  return `${userTurn}\n\nAnswer with one JSON object (no prose) that matches this JSON schema:\n${JSON.stringify(schema)}`;
}

function parseArguments(value: string | Record<string, unknown> | undefined): { raw: unknown; parsed: boolean } {
  if (value === undefined) return { raw: undefined, parsed: false };
  if (typeof value !== 'string') return { raw: value, parsed: true };
  try {
    return { raw: JSON.parse(value), parsed: true };
  } catch {
    return { raw: undefined, parsed: false };
  }
}

/** The JSON object in a text answer: the whole text, a fenced block, or the outermost braces. */
function extractJson(content: string): string | undefined {
  const trimmed = content.trim();
  if (trimmed.startsWith('{')) return trimmed;
  const fenced = /```(?:json)?\s*([\s\S]*?)```/i.exec(trimmed)?.[1];
  if (fenced?.trim().startsWith('{')) return fenced.trim();
  const start = trimmed.indexOf('{');
  const end = trimmed.lastIndexOf('}');
  return start >= 0 && end > start ? trimmed.slice(start, end + 1) : undefined;
}
