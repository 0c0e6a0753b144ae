import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttp2Server, type Http2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';

/** One request a stand-in answered (or could not). */
export interface StandInCall {
  readonly service: string;
  readonly operation: string;
  /** For Bedrock Converse: the tool the model was asked to call. */
  readonly detail?: string;
}

/** Options of {@link startAwsStandIns}. */
export interface AwsStandInOptions {
  /** Secret values by SecretId (`SecretString` is their JSON). Unknown ids answer ResourceNotFoundException. */
  readonly secrets: Record<string, Record<string, string>>;
  /** Dimensions of the Titan embeddings the stand-in returns. */
  readonly embeddingDimensions: number;
}

/** The running stand-ins: one HTTP endpoint for every AWS service a bundle reaches besides DynamoDB and Step Functions. */
export interface AwsStandIns {
  /** Base URL for `AWS_ENDPOINT_URL` (every service without its own `AWS_ENDPOINT_URL_<SERVICE>`). */
  readonly url: string;
  /** Endpoint of the OpenSearch Serverless collection stand-in (`KNOWLEDGE_COLLECTION_ENDPOINT`). */
  readonly openSearchUrl: string;
  /**
   * Bedrock Runtime over cleartext HTTP/2 (`AWS_ENDPOINT_URL_BEDROCK_RUNTIME`): its SDK client speaks only HTTP/2.
   */
  readonly bedrockUrl: string;
  /** Messages published to SNS topics, in order. */
  readonly messages: { topicArn: string; message: string }[];
  /** Every call so far, in order; operations the stand-ins do not know have service `unknown`. */
  readonly calls: StandInCall[];
  close(): Promise<void>;
}

type JsonSchema = {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  minItems?: number;
  minLength?: number;
  minimum?: number;
  maximum?: number;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
};

/**
 * The smallest instance of a tool's JSON schema: required properties only, first enum values, minimum lengths and
 * counts, numbers at their minimum (or 0.5 within [0, 1]). A stand-in model cannot reason; it can answer in shape.
 */
export function instanceOf(schema: JsonSchema): unknown {
  if (schema.const !== undefined) return schema.const;
  if (schema.enum?.length) return schema.enum[0];
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives?.length) return instanceOf(alternatives.find((s) => s.type !== 'null') ?? alternatives[0]!);
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type) {
    case 'object':
      return Object.fromEntries(
        (schema.required ?? []).map((key) => [key, instanceOf(schema.properties?.[key] ?? { type: 'string' })]),
      );
    case 'array':
      return Array.from({ length: schema.minItems ?? 0 }, () => instanceOf(schema.items ?? { type: 'string' }));
    case 'string':
      return 'stand-in answer'.padEnd(schema.minLength ?? 0, '.');
    case 'number':
    case 'integer': {
      const low = schema.minimum ?? 0;
      const high = schema.maximum ?? low + 1;
      return type === 'integer' ? Math.ceil(low) : low + (high - low) / 2;
    }
    case 'boolean':
      return false;
    default:
      return null;
  }
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

/** An error in the awsJson protocols (Secrets Manager, CloudWatch Logs, SSM). */
function jsonError(response: ServerResponse, type: string, message: string): void {
  json(
    response,
    400,
    { __type: type, message },
    { 'x-amzn-errortype': type, 'content-type': 'application/x-amz-json-1.1' },
  );
}

/**
 * Local stand-ins for the AWS services the bundles reach that have no local server: Secrets Manager, S3, SNS,
 * EventBridge Scheduler, Bedrock Runtime (Converse and Titan embeddings), CloudWatch Logs Insights, SSM, Lambda and
 * an OpenSearch Serverless collection. Each speaks its service's wire protocol as the AWS SDK v3 sends it, so the
 * bundles run unchanged with `AWS_ENDPOINT_URL` pointing here. State is kept only as far as callers read it back.
 */
export async function startAwsStandIns(options: AwsStandInOptions): Promise<AwsStandIns> {
  const calls: StandInCall[] = [];
  const messages: { topicArn: string; message: string }[] = [];
  const schedules = new Map<string, unknown>();
  const record = (service: string, operation: string, detail?: string) =>
    calls.push(detail ? { service, operation, detail } : { service, operation });

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://stand-in');
    const method = request.method ?? 'GET';
    const body = await readBody(request);
    const target = String(request.headers['x-amz-target'] ?? '');

    // OpenSearch Serverless collection (the knowledge index): empty until a sync writes to it.
    if (url.pathname.startsWith('/aoss/')) {
      const path = url.pathname.slice('/aoss'.length);
      if (method === 'HEAD') {
        record('aoss', 'IndexExists');
        response.writeHead(200).end();
      } else if (path.endsWith('/_search')) {
        record('aoss', 'Search');
        json(response, 200, { took: 1, hits: { total: { value: 0 }, hits: [] } });
      } else if (path === '/_bulk') {
        record('aoss', 'Bulk');
        json(response, 200, { took: 1, errors: false, items: [] });
      } else {
        record('aoss', `${method} ${path}`);
        json(response, 200, { acknowledged: true });
      }
      return;
    }

    // DynamoDB, for runs without DynamoDB Local (the cold-start bench): every table is empty.
    if (target.startsWith('DynamoDB_20120810.')) {
      const operation = target.slice('DynamoDB_20120810.'.length);
      record('dynamodb', operation);
      const empty = operation === 'Query' || operation === 'Scan' ? { Items: [], Count: 0, ScannedCount: 0 } : {};
      json(response, 200, empty, { 'content-type': 'application/x-amz-json-1.0' });
      return;
    }

    if (target.startsWith('secretsmanager.')) {
      const operation = target.slice('secretsmanager.'.length);
      record('secretsmanager', operation);
      const { SecretId } = JSON.parse(body || '{}') as { SecretId?: string };
      const secret = SecretId ? options.secrets[SecretId] : undefined;
      if (operation !== 'GetSecretValue' || !secret) {
        jsonError(response, 'ResourceNotFoundException', `Secrets Manager can't find the specified secret.`);
        return;
      }
      json(response, 200, { ARN: SecretId, Name: SecretId, SecretString: JSON.stringify(secret), VersionId: 'v1' });
      return;
    }

    if (target.startsWith('Logs_20140328.')) {
      const operation = target.slice('Logs_20140328.'.length);
      record('logs', operation);
      if (operation === 'StartQuery') json(response, 200, { queryId: randomUUID() });
      else if (operation === 'GetQueryResults')
        json(response, 200, { status: 'Complete', results: [], statistics: {} });
      else jsonError(response, 'UnknownOperationException', operation);
      return;
    }

    if (target.startsWith('AmazonSSM.')) {
      const operation = target.slice('AmazonSSM.'.length);
      record('ssm', operation);
      if (operation === 'StartAutomationExecution') json(response, 200, { AutomationExecutionId: randomUUID() });
      else if (operation === 'GetAutomationExecution') {
        json(response, 200, { AutomationExecution: { AutomationExecutionStatus: 'Success', Outputs: {} } });
      } else jsonError(response, 'ParameterNotFound', `${operation}: not found`);
      return;
    }

    // Bedrock Runtime: POST /model/{modelId}/converse | /invoke
    const model = /^\/model\/([^/]+)\/(converse|invoke)$/.exec(url.pathname);
    if (model && method === 'POST') {
      const modelId = decodeURIComponent(model[1]!);
      const request = JSON.parse(body || '{}');
      if (model[2] === 'invoke') {
        record('bedrock', 'InvokeModel', modelId);
        const text = String(request.inputText ?? '');
        const dimensions = Number(request.dimensions ?? options.embeddingDimensions);
        // A deterministic unit vector derived from the text, so equal texts embed equally.
        const seed = [...text].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7);
        const raw = Array.from({ length: dimensions }, (_, i) => Math.sin(seed + i));
        const norm = Math.hypot(...raw) || 1;
        json(response, 200, { embedding: raw.map((v) => v / norm), inputTextTokenCount: Math.ceil(text.length / 4) });
        return;
      }
      const tool = request.toolConfig?.tools?.[0]?.toolSpec as
        | { name: string; inputSchema: { json: JsonSchema } }
        | undefined;
      record('bedrock', 'Converse', tool?.name);
      const content = tool
        ? [
            {
              toolUse: {
                toolUseId: `tooluse_${randomUUID()}`,
                name: tool.name,
                input: instanceOf(tool.inputSchema.json),
              },
            },
          ]
        : [{ text: 'stand-in answer' }];
      json(response, 200, {
        output: { message: { role: 'assistant', content } },
        stopReason: tool ? 'tool_use' : 'end_turn',
        usage: {
          inputTokens: Math.ceil(body.length / 4),
          outputTokens: 50,
          totalTokens: Math.ceil(body.length / 4) + 50,
        },
        metrics: { latencyMs: 1 },
      });
      return;
    }

    // EventBridge Scheduler (REST JSON): /schedules/{Name}
    const schedule = /^\/schedules\/([^/]+)$/.exec(url.pathname);
    if (schedule) {
      const name = decodeURIComponent(schedule[1]!);
      const operation = { POST: 'CreateSchedule', PUT: 'UpdateSchedule', DELETE: 'DeleteSchedule', GET: 'GetSchedule' }[
        method
      ];
      record('scheduler', operation ?? method);
      if (method === 'POST' || method === 'PUT') {
        schedules.set(name, JSON.parse(body || '{}'));
        json(response, 200, { ScheduleArn: `arn:aws:scheduler:us-east-1:000000000000:schedule/default/${name}` });
      } else if (schedules.has(name)) {
        const found = schedules.get(name);
        if (method === 'DELETE') schedules.delete(name);
        json(response, 200, method === 'DELETE' ? {} : { Name: name, ...(found as object) });
      } else {
        json(
          response,
          404,
          { Message: `Schedule ${name} does not exist.` },
          { 'x-amzn-errortype': 'ResourceNotFoundException' },
        );
      }
      return;
    }

    // Lambda Invoke (runbook steps): POST /2015-03-31/functions/{name}/invocations
    if (/^\/2015-03-31\/functions\/[^/]+\/invocations$/.test(url.pathname)) {
      record('lambda', 'Invoke');
      json(response, 200, { ok: true });
      return;
    }

    // SNS (AWS Query protocol): form-encoded Action=Publish
    const form = new URLSearchParams(body);
    if (method === 'POST' && form.get('Action') === 'Publish') {
      record('sns', 'Publish');
      messages.push({ topicArn: form.get('TopicArn') ?? '', message: form.get('Message') ?? '' });
      response.writeHead(200, { 'content-type': 'text/xml' });
      response.end(
        `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>${randomUUID()}</MessageId></PublishResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></PublishResponse>`,
      );
      return;
    }

    // S3 (path style, as the SDK addresses an IP endpoint): PUT /{bucket}/{key}
    if (method === 'PUT' && url.pathname.split('/').length > 2) {
      record('s3', 'PutObject');
      response.writeHead(200, { ETag: `"${randomUUID()}"` }).end();
      return;
    }

    record('unknown', `${method} ${url.pathname} ${target}`.trim());
    jsonError(response, 'UnknownOperationException', `no stand-in for ${method} ${url.pathname} ${target}`);
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      record('unknown', `failed: ${String(error)}`);
      if (!response.headersSent) jsonError(response, 'InternalFailure', String(error));
      else response.end();
    });
  });
  const sessions = new Set<Http2Session>();
  const http2 = createHttp2Server((request, response) => {
    handle(request as unknown as IncomingMessage, response as unknown as ServerResponse).catch((error: unknown) => {
      record('unknown', `failed: ${String(error)}`);
      response.end();
    });
  });
  http2.on('session', (session: Http2Session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  await new Promise<void>((resolve) => http2.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const { port: http2Port } = http2.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    openSearchUrl: `http://127.0.0.1:${port}/aoss`,
    bedrockUrl: `http://127.0.0.1:${http2Port}`,
    calls,
    messages,
    close: async () => {
      for (const session of sessions) session.destroy();
      await new Promise<void>((resolve) => http2.close(() => resolve()));
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}
