import { isThrottlingError, withBackoff } from '../../../lambdas/llm/backoff';
import { agentSettings, InvalidLlmSettingsError, parseLlmSettings } from '../../../lambdas/llm/model-settings';
import { estimateTokens, MemoryTokenLedger, TokenBudget } from '../../../lambdas/llm/token-budget';
import { LanguageModelUnavailableError, TokenBudgetExceededError } from '../../../lambdas/ports/llm';

describe('the per-incident token budget', () => {
  it('lets calls through until the worst case would exceed the limit', async () => {
    const ledger = new MemoryTokenLedger();
    const budget = new TokenBudget(ledger, 1000);
    await budget.ensureRoom('inc', 900);
    await budget.charge('inc', 'triage', { inputTokens: 600, outputTokens: 100 });
    await expect(budget.ensureRoom('inc', 300)).resolves.toBeUndefined();
    await expect(budget.ensureRoom('inc', 301)).rejects.toEqual(new TokenBudgetExceededError('inc', 700, 1000));
    await expect(budget.ensureRoom('other', 1000)).resolves.toBeUndefined();
  });

  it('estimates about four characters per token', () => {
    expect(estimateTokens('abcdefgh')).toBe(2);
    expect(estimateTokens(9)).toBe(3);
  });
});

describe('backoff on throttling', () => {
  it('retries throttling with growing, jittered delays and gives up after the last attempt', async () => {
    const sleeps: number[] = [];
    let calls = 0;
    const throttled = Object.assign(new Error('x'), { name: 'ThrottlingException' });
    await expect(
      withBackoff(
        async () => {
          calls++;
          throw throttled;
        },
        {
          attempts: 4,
          baseMs: 100,
          maxMs: 250,
          retryable: isThrottlingError,
          sleep: async (ms) => void sleeps.push(ms),
          random: () => 0.999,
        },
      ),
    ).rejects.toBe(throttled);
    expect(calls).toBe(4);
    expect(sleeps).toEqual([99, 199, 249]);
  });

  it('does not retry what retrying cannot fix', async () => {
    let calls = 0;
    await expect(
      withBackoff(
        async () => {
          calls++;
          throw Object.assign(new Error('bad'), { name: 'ValidationException' });
        },
        { retryable: isThrottlingError, sleep: async () => undefined },
      ),
    ).rejects.toThrow('bad');
    expect(calls).toBe(1);
  });

  it('recognises throttling by name or by HTTP status', () => {
    expect(isThrottlingError({ name: 'ThrottlingException' })).toBe(true);
    expect(isThrottlingError({ name: 'X', $metadata: { httpStatusCode: 429 } })).toBe(true);
    expect(isThrottlingError({ name: 'ServiceUnavailableException' })).toBe(true);
    expect(isThrottlingError({ name: 'AccessDeniedException', $metadata: { httpStatusCode: 403 } })).toBe(false);
  });
});

describe('LLM settings from the stage config', () => {
  it('fill defaults and give an agent its model, temperature, max tokens and role prompt', () => {
    const settings = parseLlmSettings(
      JSON.stringify({ agents: { triage: { modelId: 'anthropic.claude-3-haiku-20240307-v1:0' } } }),
    );
    expect(settings.budgetTokensPerIncident).toBe(40_000);
    const triage = agentSettings(settings, 'triage');
    expect(triage).toMatchObject({
      modelId: 'anthropic.claude-3-haiku-20240307-v1:0',
      temperature: 0,
      maxTokens: 1024,
      toolChoice: 'tool',
    });
    expect(triage.systemPrompt).toMatch(/triage agent/);
  });

  it('make an agent without a model unavailable rather than broken', () => {
    expect(() => agentSettings(parseLlmSettings(undefined), 'sentiment')).toThrow(LanguageModelUnavailableError);
  });

  it('reject malformed settings with the offending field', () => {
    expect(() => parseLlmSettings('{"agents":{"triage":{"modelId":"m","temperature":4}}}')).toThrow(
      InvalidLlmSettingsError,
    );
    expect(() => parseLlmSettings('{not json')).toThrow(/not JSON/);
  });
});
