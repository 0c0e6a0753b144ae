import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsManagerSecrets } from '../../adapters/aws/secrets-manager-secrets';
import type { SecretProvider } from '../../ports/secrets';
import { env } from '../aws/env';
import { definePort } from '../dependencies';

/** HMAC keys of approval links (`signingKey`, `previousSigningKey`): the secret `APPROVAL_LINK_SECRET_ARN`. */
export const approvalLinkKeys = definePort<SecretProvider>(
  'approvalLinkKeys',
  { access: ['approvalLinks'], env: ['APPROVAL_LINK_SECRET_ARN'] },
  () => new SecretsManagerSecrets(env('APPROVAL_LINK_SECRET_ARN'), new SecretsManagerClient({})),
);
