import type { SecretProvider } from '../../ports/secrets';

/**
 * Approval-link signing keys from the environment: `LUMOS_APPROVAL_LINK_KEY` (and `LUMOS_APPROVAL_LINK_KEY_PREVIOUS`
 * during a rotation), else a development default. In AWS they come from Secrets Manager.
 */
export class EnvApprovalLinkKeys implements SecretProvider {
  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  async get(name: string): Promise<string | undefined> {
    if (name === 'signingKey') return this.env.LUMOS_APPROVAL_LINK_KEY || 'local-dev-approval-link-key';
    if (name === 'previousSigningKey') return this.env.LUMOS_APPROVAL_LINK_KEY_PREVIOUS || undefined;
    return undefined;
  }
}
