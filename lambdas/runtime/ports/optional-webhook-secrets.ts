import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsManagerSecrets } from '../../adapters/aws/secrets-manager-secrets';
import type { SecretProvider } from '../../ports/secrets';
import { definePort } from '../dependencies';

/**
 * The webhook secrets where a function may use an entry but works without it (escalation routing reads the
 * PagerDuty API token when it is there): without `WEBHOOK_SECRETS_ARN` every lookup answers "no such entry".
 */
export const optionalWebhookSecrets = definePort<SecretProvider>('secrets', { access: [], env: [] }, () =>
  process.env.WEBHOOK_SECRETS_ARN
    ? new SecretsManagerSecrets(process.env.WEBHOOK_SECRETS_ARN, new SecretsManagerClient({}))
    : { get: async () => undefined },
);
