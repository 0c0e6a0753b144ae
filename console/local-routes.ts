import type { APIGatewayProxyResult } from 'aws-lambda';
import type { Route } from '../local/http-server';
import { buildConsole, type ConsoleAsset } from './build';

/**
 * Headers of every console response. The CSP allows nothing but this origin: the console loads no fonts, scripts
 * or styles from anywhere else, and talks only to the API beside it.
 */
const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/** Locally the API is on the console's own origin, nobody signs in, and the notifications outbox is readable. */
export const LOCAL_CONSOLE_CONFIG = { apiBase: '', stage: 'local', auth: { type: 'none' }, notifications: true };

function asset(file: ConsoleAsset): APIGatewayProxyResult {
  return {
    statusCode: 200,
    headers: { 'content-type': file.contentType, 'cache-control': 'no-cache', ...SECURITY_HEADERS },
    body: file.body.toString('base64'),
    isBase64Encoded: true,
  };
}

const notFound = (name: string): APIGatewayProxyResult => ({
  statusCode: 404,
  headers: { 'content-type': 'application/json', ...SECURITY_HEADERS },
  body: JSON.stringify({ error: { code: 'not_found', message: `no console file ${name}` } }),
});

/**
 * The local runtime's `/console` routes: the operator console built from `console/` on first request (esbuild,
 * in memory, about a quarter of a second) and served with its local `config.json`. In AWS the same files are
 * uploaded to S3 and served by CloudFront (see lib/constructs/console-hosting.ts).
 */
export function consoleRoutes(config: Record<string, unknown> = LOCAL_CONSOLE_CONFIG): Route[] {
  let built: Promise<Map<string, ConsoleAsset>> | undefined;
  const serve = async (name: string): Promise<APIGatewayProxyResult> => {
    if (name === 'config.json') {
      return asset({ body: Buffer.from(JSON.stringify(config)), contentType: 'application/json' });
    }
    built ??= buildConsole().catch((error: unknown) => {
      built = undefined;
      throw error;
    });
    const file = (await built).get(name);
    return file ? asset(file) : notFound(name);
  };
  return [
    { method: 'GET', path: '/console', target: { kind: 'local', handle: () => serve('index.html') } },
    {
      method: 'GET',
      path: '/console/{asset}',
      target: { kind: 'local', handle: (request) => serve(request.params.asset ?? '') },
    },
  ];
}
