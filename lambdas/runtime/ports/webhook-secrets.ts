import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsManagerSecrets } from '../../adapters/aws/secrets-manager-secrets';
import type { SecretProvider } from '../../ports/secrets';
import { env } from '../aws/env';
import { definePort } from '../dependencies';

/** The webhook secrets, one entry per source, in Secrets Manager (`WEBHOOK_SECRETS_ARN`). */
export const webhookSecrets = definePort<SecretProvider>(
  'secrets',
  { access: ['readWebhookSecrets'], env: ['WEBHOOK_SECRETS_ARN'] },
  () => new SecretsManagerSecrets(env('WEBHOOK_SECRETS_ARN'), new SecretsManagerClient({})),
);
