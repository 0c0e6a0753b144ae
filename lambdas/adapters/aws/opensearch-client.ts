import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { Client } from '@opensearch-project/opensearch';
import { AwsSigv4Signer } from '@opensearch-project/opensearch/aws-v3';
import type { OpenSearchLike } from './opensearch-knowledge-index';

/**
 * An OpenSearch client for a Serverless collection endpoint (`https://<id>.<region>.aoss.amazonaws.com`), signing
 * every request with SigV4 for service `aoss` using the Lambda role's credentials.
 */
export function createServerlessOpenSearchClient(endpoint: string, region: string): OpenSearchLike {
  const credentials = fromNodeProviderChain();
  return new Client({
    ...AwsSigv4Signer({ region, service: 'aoss', getCredentials: () => credentials() }),
    node: endpoint,
    requestTimeout: 10_000,
    maxRetries: 2,
  });
}
