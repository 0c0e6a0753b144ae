import type { SecretProvider } from '../../ports/secrets';

/**
 * Secrets from the environment: `LUMOS_WEBHOOK_SECRET_<NAME>` (upper case), then `LUMOS_WEBHOOK_SECRET`, then the
 * documented development default. Read at call time so a changed environment is honoured by a restart-free test.
 */
export class EnvSecrets implements SecretProvider {
  constructor(
    private readonly env: NodeJS.ProcessEnv = process.env,
    private readonly fallback = 'local-dev-secret',
  ) {}

  async get(name: string): Promise<string | undefined> {
    const specific = this.env[`LUMOS_WEBHOOK_SECRET_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`];
    return specific || this.env.LUMOS_WEBHOOK_SECRET || this.fallback;
  }
}
