import type { SecretProvider } from '../../ports/secrets';

/**
 * Secrets from the environment: `LUMOS_WEBHOOK_SECRET_<NAME>` (upper case) for a named secret, and for `default`
 * `LUMOS_WEBHOOK_SECRET`, else the documented development default. Read at call time so a changed environment is
 * honoured without a restart. Like the AWS adapter, a name without its own entry has no value; callers that want
 * the default (webhook intake) ask for it.
 */
export class EnvSecrets implements SecretProvider {
  constructor(
    private readonly env: NodeJS.ProcessEnv = process.env,
    private readonly fallback = 'local-dev-secret',
  ) {}

  async get(name: string): Promise<string | undefined> {
    if (name === 'default') return this.env.LUMOS_WEBHOOK_SECRET || this.fallback;
    return this.env[`LUMOS_WEBHOOK_SECRET_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`] || undefined;
  }
}
