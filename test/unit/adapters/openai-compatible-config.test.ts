import { OpenAiCompatibleLanguageModel } from '../../../lambdas/adapters/http/openai-compatible-language-model';
import {
  InvalidModelEndpointConfigError,
  openAiCompatibleFromEnv,
} from '../../../lambdas/adapters/local/local-agent-adapters';
import { MemoryTokenLedger, TokenBudget } from '../../../lambdas/llm/token-budget';

describe('choosing your own model locally', () => {
  const budget = new TokenBudget(new MemoryTokenLedger(), 1000);

  it('builds the OpenAI-compatible adapter from LUMOS_LLM_BASE_URL, LUMOS_LLM_MODEL and LUMOS_LLM_API_KEY', () => {
    const model = openAiCompatibleFromEnv(
      { LUMOS_LLM_BASE_URL: 'http://localhost:11434', LUMOS_LLM_MODEL: 'llama3.1:8b', LUMOS_LLM_API_KEY: 'k' },
      budget,
    );
    expect(model).toBeInstanceOf(OpenAiCompatibleLanguageModel);
  });

  it('refuses a base URL without a model name, saying which variable is missing', () => {
    expect(() => openAiCompatibleFromEnv({ LUMOS_LLM_BASE_URL: 'http://localhost:8000/v1' }, budget)).toThrow(
      InvalidModelEndpointConfigError,
    );
    expect(() => openAiCompatibleFromEnv({ LUMOS_LLM_BASE_URL: 'http://localhost:8000/v1' }, budget)).toThrow(
      /LUMOS_LLM_MODEL/,
    );
  });
});
