import type * as z from 'zod';

/**
 * A piece of text Lumos did not write: a ticket title, a comment, an alert description, a log line, a knowledge
 * chunk. It is only ever handed to a model as delimited data inside the user turn, never in a system prompt, and
 * nothing Lumos does follows from it alone.
 */
export interface UntrustedText {
  /** What the text is (`ticket.title`, `comment.3`, `chunk.linux/disk-full.md#2`); shown to the model as the block label. */
  readonly label: string;
  readonly text: string;
}

/** Tokens one model call consumed. Local adapters estimate them, so budgets behave the same everywhere. */
export interface TokenUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/**
 * A request for structured output: the model must answer by calling one tool whose input schema is `schema`, and
 * the answer is validated against `schema` before anyone sees it.
 */
export interface StructuredRequest<T> {
  /** Agent asking; selects model id, temperature, max tokens and system prompt from the stage config. */
  readonly agent: string;
  /** The incident the call is charged to; every incident has a token budget. */
  readonly incidentId: string;
  /** Name of the answer tool (`record_triage`), `^[a-zA-Z][a-zA-Z0-9_]{0,63}$`; local adapters pick their skill by it. */
  readonly task: string;
  /** What the answer tool records, shown to the model as the tool description. */
  readonly taskDescription: string;
  /** Trusted instructions written by Lumos, placed in the user turn before the data. */
  readonly instructions: string;
  /** Trusted facts computed by Lumos (allowed categories, evidence ids, scores), serialised as JSON. */
  readonly facts?: Readonly<Record<string, unknown>>;
  /** Untrusted data, each part delimited on its own. */
  readonly untrusted: readonly UntrustedText[];
  /** The shape of the answer. Its JSON schema is the tool's input schema. */
  readonly schema: z.ZodType<T>;
}

export interface StructuredResponse<T> {
  /** The validated answer. */
  readonly output: T;
  readonly usage: TokenUsage;
  /** Which model (or local skill) answered, for the timeline. */
  readonly modelId: string;
}

/** A language model that answers with schema-validated JSON. */
export interface LanguageModel {
  generate<T>(request: StructuredRequest<T>): Promise<StructuredResponse<T>>;
}

/** Token spend per incident, shared by every agent working on it (parallel branches included). */
export interface TokenLedger {
  /** Tokens already charged to the incident. */
  used(incidentId: string): Promise<number>;
  /** Adds a call's usage to the incident's total and returns the new total. */
  charge(incidentId: string, agent: string, usage: TokenUsage): Promise<number>;
}

/** No model can answer this request here (no adapter configured, or no local skill for the task). */
export class LanguageModelUnavailableError extends Error {
  override readonly name = 'LanguageModelUnavailableError';
}

/** The incident has spent its token budget; the agent must do without the model. */
export class TokenBudgetExceededError extends Error {
  override readonly name = 'TokenBudgetExceededError';
  constructor(
    readonly incidentId: string,
    readonly used: number,
    readonly budget: number,
  ) {
    super(`incident ${incidentId} has used ${used} of its ${budget} model tokens`);
  }
}

/** The model's answer did not match the schema, even after it was shown the problems once. */
export class ModelOutputInvalidError extends Error {
  override readonly name = 'ModelOutputInvalidError';
  constructor(
    message: string,
    readonly issues: readonly string[],
  ) {
    super(message);
  }
}

/** A guardrail blocked the request or the answer. */
export class GuardrailInterventionError extends Error {
  override readonly name = 'GuardrailInterventionError';
}
