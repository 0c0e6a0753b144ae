import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsManagerSecrets } from '../../adapters/aws/secrets-manager-secrets';
import { SecretBackedItsm } from '../../itsm/connector-registry';
import type { Itsm } from '../../itsm/ticket';
import { definePort } from '../dependencies';

/**
 * Ticket write-back to ServiceNow, Jira and Zendesk, with the connections in the ITSM secret `ITSM_SECRETS_ARN`
 * (`{"servicenow": {baseUrl, credentials}, ...}`). Until it is filled in, every write is recorded on the incident as
 * not configured instead of failing the workflow.
 */
export const itsm = definePort<Itsm>(
  'itsm',
  { access: ['writeTickets'], env: ['ITSM_SECRETS_ARN'] },
  () =>
    new SecretBackedItsm(
      process.env.ITSM_SECRETS_ARN
        ? new SecretsManagerSecrets(process.env.ITSM_SECRETS_ARN, new SecretsManagerClient({}))
        : { get: async () => undefined },
    ),
);
