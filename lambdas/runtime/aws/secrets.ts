/** Registers the secrets port: the webhook secrets in Secrets Manager (`WEBHOOK_SECRETS_ARN`). */
import { SecretsManagerSecrets } from '../../adapters/aws/secrets-manager-secrets';
import { registerFactories } from '../dependencies';
import { env } from './env';

registerFactories({
  secrets: () => new SecretsManagerSecrets(env('WEBHOOK_SECRETS_ARN')),
});
