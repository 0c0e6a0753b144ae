import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';

/** API Gateway accepts at most 10 MB; reading stops there. The handler enforces Lumos' own (smaller) limit. */
const TRANSPORT_LIMIT_BYTES = 10 * 1024 * 1024;

export interface LocalRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: string;
  remoteAddress: string;
}

/** A local route answers either through a Lambda handler (as API Gateway would invoke it) or directly. */
export type RouteTarget =
  | { kind: 'lambda'; invoke(event: APIGatewayProxyEvent): Promise<unknown>; resource: string }
  | { kind: 'local'; handle(request: LocalRequest): Promise<APIGatewayProxyResult> };

export interface Route {
  method: string;
  /** Path with `{name}` placeholders, as in API Gateway resources. */
  path: string;
  target: RouteTarget;
  /** Refuse callers that are not on this machine (stands-ins for AWS-internal paths such as EventBridge). */
  loopbackOnly?: boolean;
}

function compile(path: string): { regex: RegExp; names: string[] } {
  const names: string[] = [];
  const pattern = path.replace(/\{(\w+)\}/g, (_, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { regex: new RegExp(`^${pattern}/?$`), names };
}

export const jsonResult = (
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyResult => ({
  statusCode,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
  body: JSON.stringify(body),
});

const isLoopback = (address: string) =>
  address === '127.0.0.1' || address === '::1' || address.startsWith('::ffff:127.');

/** Bodies are UTF-8 text (JSON); other bytes are refused rather than silently replaced (signatures cover bytes). */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

type Body = { text: string } | { tooLarge: true } | { notUtf8: true };

function readBody(req: IncomingMessage): Promise<Body> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > TRANSPORT_LIMIT_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => {
      if (tooLarge) return resolve({ tooLarge: true });
      try {
        resolve({ text: utf8.decode(Buffer.concat(chunks)) });
      } catch {
        resolve({ notUtf8: true });
      }
    });
    req.on('error', reject);
  });
}

function toApiGatewayEvent(request: LocalRequest, resource: string): APIGatewayProxyEvent {
  return {
    resource,
    path: request.path,
    httpMethod: request.method,
    headers: request.headers,
    multiValueHeaders: {},
    queryStringParameters: Object.keys(request.query).length ? request.query : null,
    multiValueQueryStringParameters: null,
    pathParameters: Object.keys(request.params).length ? request.params : null,
    stageVariables: null,
    body: request.body || null,
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      authorizer: null,
      protocol: 'HTTP/1.1',
      httpMethod: request.method,
      path: request.path,
      stage: 'local',
      requestId: randomUUID(),
      requestTimeEpoch: Date.now(),
      resourceId: 'local',
      resourcePath: resource,
      identity: { sourceIp: request.remoteAddress } as APIGatewayProxyEvent['requestContext']['identity'],
    },
  };
}

function send(res: ServerResponse, result: APIGatewayProxyResult): void {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(result.headers ?? {})) headers[key] = String(value);
  res.writeHead(result.statusCode, headers);
  res.end(result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body);
}

/**
 * The local stand-in for API Gateway: turns HTTP requests into proxy events for the same handler modules the stack
 * deploys, and serves a few local-only routes (health, notifications, events).
 */
export function createLocalHttpServer(routes: Route[], onError: (error: unknown) => void): Server {
  const compiled = routes.map((route) => ({ route, ...compile(route.path) }));
  return createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const method = req.method ?? 'GET';
      const candidates = compiled.filter((c) => c.regex.test(url.pathname));
      if (candidates.length === 0)
        return send(res, jsonResult(404, { error: { code: 'not_found', message: `no route for ${url.pathname}` } }));
      const match = candidates.find((c) => c.route.method === method);
      if (!match)
        return send(
          res,
          jsonResult(405, {
            error: { code: 'method_not_allowed', message: `${method} is not allowed on ${url.pathname}` },
          }),
        );
      const remoteAddress = req.socket.remoteAddress ?? '';
      if (match.route.loopbackOnly && !isLoopback(remoteAddress)) {
        return send(
          res,
          jsonResult(403, { error: { code: 'forbidden', message: 'this route accepts loopback callers only' } }),
        );
      }
      const read = await readBody(req);
      if ('tooLarge' in read) {
        return send(
          res,
          jsonResult(413, {
            error: { code: 'payload_too_large', message: `body exceeds ${TRANSPORT_LIMIT_BYTES} bytes` },
          }),
        );
      }
      if ('notUtf8' in read) {
        return send(
          res,
          jsonResult(400, { error: { code: 'invalid_encoding', message: 'body is not valid UTF-8 text' } }),
        );
      }
      const body = read.text;
      const values = match.regex.exec(url.pathname)!.slice(1);
      const request: LocalRequest = {
        method,
        path: url.pathname,
        params: Object.fromEntries(match.names.map((name, i) => [name, decodeURIComponent(values[i]!)])),
        query: Object.fromEntries(url.searchParams.entries()),
        headers: Object.fromEntries(
          Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : (v ?? '')]),
        ),
        body,
        remoteAddress,
      };
      const target = match.route.target;
      const result =
        target.kind === 'lambda'
          ? ((await target.invoke(toApiGatewayEvent(request, target.resource))) as APIGatewayProxyResult)
          : await target.handle(request);
      send(res, result);
    } catch (error) {
      onError(error);
      if (!res.headersSent) send(res, jsonResult(500, { error: { code: 'internal', message: 'internal error' } }));
    }
  });
}

export function listen(server: Server, port: number): Promise<number> {
  // Keep idle connections open longer than clients do (undici: 4 s), as load balancers do, so a busy process never
  // closes a kept-alive socket just as a client sends its next request on it ("other side closed").
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}
