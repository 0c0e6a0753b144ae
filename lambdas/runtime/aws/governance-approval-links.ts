/** Registers the approval-link signing keys: the secret `APPROVAL_LINK_SECRET_ARN`. */
import { SecretsManagerSecrets } from '../../adapters/aws/secrets-manager-secrets';
import { registerFactories } from '../dependencies';
import { env } from './env';

registerFactories({
  approvalLinkKeys: () => new SecretsManagerSecrets(env('APPROVAL_LINK_SECRET_ARN')),
});
