/** Registers ticket write-back: connections from the ITSM secret (`ITSM_SECRETS_ARN`, optional). */
import { SecretsManagerSecrets } from '../../adapters/aws/secrets-manager-secrets';
import { SecretBackedItsm } from '../../itsm/connector-registry';
import { registerFactories } from '../dependencies';

registerFactories({
  // ITSM connections live in their own secret (`{"servicenow": {baseUrl, credentials}, ...}`); without it every
  // write is recorded on the incident as not configured instead of failing the workflow.
  itsm: () =>
    new SecretBackedItsm(
      process.env.ITSM_SECRETS_ARN
        ? new SecretsManagerSecrets(process.env.ITSM_SECRETS_ARN)
        : { get: async () => undefined },
    ),
});
