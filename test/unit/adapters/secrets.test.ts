import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { SecretsManagerSecrets } from '../../../lambdas/adapters/aws/secrets-manager-secrets';
import { EnvSecrets } from '../../../lambdas/adapters/local/env-secrets';

describe('the secrets adapters', () => {
  it('locally: a named secret from LUMOS_WEBHOOK_SECRET_<NAME>, the default from LUMOS_WEBHOOK_SECRET, nothing else', async () => {
    const secrets = new EnvSecrets({ LUMOS_WEBHOOK_SECRET_JIRA: 'jira-secret', LUMOS_WEBHOOK_SECRET: 'shared' });
    expect(await secrets.get('jira')).toBe('jira-secret');
    expect(await secrets.get('default')).toBe('shared');
    expect(await secrets.get('pagerduty-api')).toBeUndefined();
    expect(await new EnvSecrets({}).get('default')).toBe('local-dev-secret');
  });

  it('in AWS: reads the JSON secret once per TTL and returns only entries that exist', async () => {
    const sm = mockClient(SecretsManagerClient);
    sm.on(GetSecretValueCommand, { SecretId: 'arn:secret' }).resolves({
      SecretString: JSON.stringify({ default: 'generated', servicenow: 'snow-secret' }),
    });
    const secrets = new SecretsManagerSecrets('arn:secret', new SecretsManagerClient({ region: 'us-east-1' }));
    expect(await secrets.get('servicenow')).toBe('snow-secret');
    expect(await secrets.get('default')).toBe('generated');
    expect(await secrets.get('pagerduty-api')).toBeUndefined();
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    sm.restore();
  });
});
