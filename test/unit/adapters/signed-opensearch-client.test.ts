import { OpenSearchResponseError, SignedOpenSearchClient } from '../../../lambdas/adapters/aws/opensearch-client';

interface Sent {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
}

/** A fetch that records requests and answers from a queue of (status, body) pairs. */
function fakeFetch(answers: [number, unknown][]): { fetch: typeof fetch; sent: Sent[] } {
  const sent: Sent[] = [];
  const fetchImpl = (async (url: string, init: RequestInit) => {
    sent.push({
      url,
      method: String(init.method),
      headers: init.headers as Record<string, string>,
      body: init.body as string | undefined,
    });
    const [status, body] = answers.shift() ?? [500, { error: 'no answer queued' }];
    return new Response(init.method === 'HEAD' || body === undefined ? null : JSON.stringify(body), { status });
  }) as unknown as typeof fetch;
  return { fetch: fetchImpl, sent };
}

const credentials = async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', sessionToken: 'token' });

function client(answers: [number, unknown][]) {
  const fake = fakeFetch(answers);
  const os = new SignedOpenSearchClient({
    endpoint: 'https://abc123.eu-west-1.aoss.amazonaws.com',
    region: 'eu-west-1',
    credentials,
    fetch: fake.fetch,
    maxRetries: 1,
  });
  return { os, sent: fake.sent };
}

describe('SignedOpenSearchClient', () => {
  it('signs each request with SigV4 for aoss and sends the payload hash OpenSearch Serverless requires', async () => {
    const { os, sent } = client([[200, { hits: { hits: [] } }]]);
    const response = await os.search({ index: 'kb', body: { query: { match_all: {} } }, search_pipeline: 'kb-hybrid' });

    expect(response.body).toEqual({ hits: { hits: [] } });
    expect(sent[0]?.url).toBe('https://abc123.eu-west-1.aoss.amazonaws.com/kb/_search?search_pipeline=kb-hybrid');
    expect(sent[0]?.method).toBe('POST');
    expect(sent[0]?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/aoss\/aws4_request, SignedHeaders=.*host.*x-amz-content-sha256/,
    );
    expect(sent[0]?.headers['x-amz-security-token']).toBe('token');
    expect(sent[0]?.headers['x-amz-content-sha256']).toMatch(/^[0-9a-f]{64}$/);
  });

  it('answers index existence from HEAD 200 or 404', async () => {
    const { os } = client([
      [200, undefined],
      [404, undefined],
    ]);
    expect((await os.indices.exists({ index: 'kb' })).body).toBe(true);
    expect((await os.indices.exists({ index: 'kb' })).body).toBe(false);
  });

  it('sends bulk writes as NDJSON', async () => {
    const { os, sent } = client([[200, { errors: false, items: [] }]]);
    await os.bulk({ body: [{ index: { _index: 'kb', _id: '1' } }, { text: 'a' }] });
    expect(sent[0]?.url).toBe('https://abc123.eu-west-1.aoss.amazonaws.com/_bulk');
    expect(sent[0]?.headers['content-type']).toBe('application/x-ndjson');
    expect(sent[0]?.body).toBe('{"index":{"_index":"kb","_id":"1"}}\n{"text":"a"}\n');
  });

  it('throws the status and the error body, which the index adapter reads to spot a missing index or pipeline', async () => {
    const { os, sent } = client([
      [404, { error: { type: 'index_not_found_exception', reason: 'no such index [kb]' } }],
    ]);
    const error = await os.search({ index: 'kb', body: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenSearchResponseError);
    expect(error).toMatchObject({ statusCode: 404, message: expect.stringContaining('index_not_found_exception') });
    expect(sent).toHaveLength(1);
  });

  it('retries throttling and server errors, then gives up', async () => {
    const { os, sent } = client([
      [429, { error: 'slow down' }],
      [503, { error: 'unavailable' }],
    ]);
    await expect(os.searchPipeline.put({ id: 'p', body: {} })).rejects.toMatchObject({ statusCode: 503 });
    expect(sent).toHaveLength(2);
  });
});
