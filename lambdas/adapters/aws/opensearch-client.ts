import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentityProvider, HttpRequest, SourceData } from '@smithy/types';
import type { OpenSearchLike } from './opensearch-knowledge-index';

const toBytes = (data: SourceData): Buffer =>
  typeof data === 'string'
    ? Buffer.from(data, 'utf8')
    : ArrayBuffer.isView(data)
      ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
      : Buffer.from(data);

/** SHA-256 and HMAC-SHA-256 from node:crypto, in the shape SignatureV4 expects. */
class NodeSha256 {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', toBytes(this.secret));
  }
  update(data: SourceData): void {
    this.hash.update(toBytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.fresh();
  }
}

/** An OpenSearch error answer, with the HTTP status the adapter's error checks read. */
export class OpenSearchResponseError extends Error {
  override readonly name = 'OpenSearchResponseError';
  constructor(
    readonly statusCode: number,
    body: string,
  ) {
    super(`OpenSearch answered ${statusCode}: ${body.slice(0, 2000)}`);
  }
}

/** Options of {@link SignedOpenSearchClient}. */
export interface SignedOpenSearchClientOptions {
  /** Collection endpoint, e.g. `https://<id>.<region>.aoss.amazonaws.com`. */
  readonly endpoint: string;
  readonly region: string;
  /** @default 'aoss' (OpenSearch Serverless) */
  readonly service?: string;
  /** @default the Node.js provider chain (the Lambda role) */
  readonly credentials?: AwsCredentialIdentityProvider;
  /** @default 10000 */
  readonly requestTimeoutMs?: number;
  /** Retries of throttled, 5xx and network failures. @default 2 */
  readonly maxRetries?: number;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

const retryable = (status: number): boolean => status === 429 || status >= 500;

/**
 * The few OpenSearch REST calls the knowledge index makes, over `fetch` with SigV4-signed requests. It replaces the
 * full `@opensearch-project/opensearch` client (about 250 KiB bundled); the signer and credentials come from the AWS
 * SDK that the Lambda runtime provides.
 */
export class SignedOpenSearchClient implements OpenSearchLike {
  private readonly url: URL;
  private readonly signer: SignatureV4;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: SignedOpenSearchClientOptions) {
    this.url = new URL(options.endpoint);
    this.signer = new SignatureV4({
      credentials: options.credentials ?? fromNodeProviderChain(),
      region: options.region,
      service: options.service ?? 'aoss',
      sha256: NodeSha256,
    });
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  readonly indices = {
    exists: async (params: { index: string }) => {
      const status = await this.send('HEAD', `/${encodeURIComponent(params.index)}`, undefined, [404]);
      return { body: status.statusCode === 200 };
    },
    // biome-ignore lint/suspicious/noExplicitAny: request bodies are OpenSearch DSL.
    create: (params: { index: string; body: any }) =>
      this.send('PUT', `/${encodeURIComponent(params.index)}`, JSON.stringify(params.body)),
  };

  readonly searchPipeline = {
    // biome-ignore lint/suspicious/noExplicitAny: see above.
    put: (params: { id: string; body: any }) =>
      this.send('PUT', `/_search/pipeline/${encodeURIComponent(params.id)}`, JSON.stringify(params.body)),
  };

  // biome-ignore lint/suspicious/noExplicitAny: see above.
  search(params: { index: string; body: any; search_pipeline?: string }) {
    const query = params.search_pipeline ? { search_pipeline: params.search_pipeline } : undefined;
    return this.send('POST', `/${encodeURIComponent(params.index)}/_search`, JSON.stringify(params.body), [], query);
  }

  // biome-ignore lint/suspicious/noExplicitAny: see above.
  bulk(params: { body: any[] }) {
    const ndjson = `${params.body.map((line) => JSON.stringify(line)).join('\n')}\n`;
    return this.send('POST', '/_bulk', ndjson, [], undefined, 'application/x-ndjson');
  }

  private async send(
    method: string,
    path: string,
    body: string | undefined,
    acceptedErrors: number[] = [],
    query?: Record<string, string>,
    contentType = 'application/json',
  ): Promise<{ statusCode: number; body: unknown }> {
    const attempts = (this.options.maxRetries ?? 2) + 1;
    for (let attempt = 1; ; attempt++) {
      try {
        const response = await this.once(method, path, body, query, contentType);
        const text = method === 'HEAD' ? '' : await response.text();
        if (response.ok || acceptedErrors.includes(response.status)) {
          return { statusCode: response.status, body: text ? JSON.parse(text) : undefined };
        }
        const error = new OpenSearchResponseError(response.status, text);
        if (!retryable(response.status) || attempt >= attempts) throw error;
      } catch (error) {
        if (error instanceof OpenSearchResponseError && !retryable(error.statusCode)) throw error;
        if (attempt >= attempts) throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
    }
  }

  private async once(
    method: string,
    path: string,
    body: string | undefined,
    query: Record<string, string> | undefined,
    contentType: string,
  ): Promise<Response> {
    const basePath = this.url.pathname.replace(/\/$/, '');
    const request: HttpRequest = {
      method,
      protocol: this.url.protocol,
      hostname: this.url.hostname,
      port: this.url.port ? Number(this.url.port) : undefined,
      path: `${basePath}${path}`,
      query,
      headers: {
        host: this.url.host,
        // OpenSearch Serverless requires the payload hash as a header.
        'x-amz-content-sha256': createHash('sha256')
          .update(body ?? '')
          .digest('hex'),
        ...(body === undefined ? {} : { 'content-type': contentType }),
      },
      body,
    };
    const signed = await this.signer.sign(request);
    const search = query ? `?${new URLSearchParams(query).toString()}` : '';
    return this.fetch(`${this.url.origin}${signed.path}${search}`, {
      method,
      headers: signed.headers,
      body,
      signal: AbortSignal.timeout(this.options.requestTimeoutMs ?? 10_000),
    });
  }
}

/**
 * An OpenSearch client for a Serverless collection endpoint (`https://<id>.<region>.aoss.amazonaws.com`), signing
 * every request with SigV4 for service `aoss` using the Lambda role's credentials.
 */
export function createServerlessOpenSearchClient(endpoint: string, region: string): OpenSearchLike {
  return new SignedOpenSearchClient({ endpoint, region });
}
