import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SecretProvider } from '../../ports/secrets';

/**
 * Reads a JSON secret (`{"servicenow": "...", "jira": "..."}`) from Secrets Manager and caches it for a few minutes,
 * so rotation takes effect without a cold start and a warm function makes one call per TTL, not per request.
 */
export class SecretsManagerSecrets implements SecretProvider {
  private cache?: { values: Record<string, string>; expires: number };

  constructor(
    private readonly secretId: string,
    private readonly client: SecretsManagerClient = new SecretsManagerClient({}),
    private readonly ttlMs = 5 * 60_000,
  ) {}

  async get(name: string): Promise<string | undefined> {
    if (!this.cache || this.cache.expires < Date.now()) {
      const result = await this.client.send(new GetSecretValueCommand({ SecretId: this.secretId }));
      const values = JSON.parse(result.SecretString ?? '{}') as Record<string, string>;
      this.cache = { values, expires: Date.now() + this.ttlMs };
    }
    return this.cache.values[name];
  }
}
