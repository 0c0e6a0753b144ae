import { TokenBudgetExceededError, type TokenLedger, type TokenUsage } from '../ports/llm';

/**
 * Rough token count of text (or of a number of characters) for budgeting before a call, and for local adapters that
 * have no tokenizer: about four characters per token in English.
 */
export function estimateTokens(text: string | number): number {
  return Math.ceil((typeof text === 'number' ? text : text.length) / 4);
}

/**
 * A per-incident token budget over a shared ledger. Checked before every call with the worst case (input estimate
 * plus the call's max output), charged after with what the call really used. Parallel agents can each pass the check
 * and together overshoot by at most one call each, which is the price of not serialising them.
 */
export class TokenBudget {
  constructor(
    private readonly ledger: TokenLedger,
    readonly limit: number,
  ) {}

  /** @throws TokenBudgetExceededError when the incident cannot afford `estimate` more tokens. */
  async ensureRoom(incidentId: string, estimate: number): Promise<void> {
    const used = await this.ledger.used(incidentId);
    if (used + estimate > this.limit) throw new TokenBudgetExceededError(incidentId, used, this.limit);
  }

  charge(incidentId: string, agent: string, usage: TokenUsage): Promise<number> {
    return this.ledger.charge(incidentId, agent, usage);
  }
}

/** In-process ledger for tests and single-process tools. */
export class MemoryTokenLedger implements TokenLedger {
  private readonly totals = new Map<string, number>();
  /** Every charge, in order, for assertions. */
  readonly charges: { incidentId: string; agent: string; usage: TokenUsage }[] = [];

  async used(incidentId: string): Promise<number> {
    return this.totals.get(incidentId) ?? 0;
  }

  async charge(incidentId: string, agent: string, usage: TokenUsage): Promise<number> {
    this.charges.push({ incidentId, agent, usage });
    const total = (this.totals.get(incidentId) ?? 0) + usage.inputTokens + usage.outputTokens;
    this.totals.set(incidentId, total);
    return total;
  }
}
