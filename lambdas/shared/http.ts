import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { LumosError } from './errors';
import { logger } from './observability';

/** JSON response with the headers every Lumos answer carries. */
export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyResult {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(body),
  };
}

/**
 * Maps named errors to `{"error": {code, message, field?}}` with their status; anything unexpected becomes a 500
 * that names no internals. Bad input never reaches that branch: parsers throw BadRequestError.
 */
export function httpErrors(): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> {
  return {
    onError: async (request) => {
      const error = request.error;
      if (error instanceof LumosError) {
        // A 5xx is never the caller's doing: say in the logs what failed.
        if (error.statusCode >= 500) {
          const causes = (error as { causes?: unknown }).causes;
          logger.error('request not finished', { code: error.code, message: error.message, causes });
        }
        request.response = json(
          error.statusCode,
          { error: { code: error.code, message: error.message, ...(error.field ? { field: error.field } : {}) } },
          retryAfter(error),
        );
        return;
      }
      logger.error('unhandled error', { error: error as Error });
      request.response = json(500, {
        error: { code: 'internal', message: 'internal error; the delivery can be retried' },
      });
    },
  };
}

/** The `Retry-After` header a named error asks for (a 503 the caller should retry later), or none. */
export function retryAfter(error: LumosError): Record<string, string> {
  return error.retryAfterSeconds === undefined ? {} : { 'retry-after': String(error.retryAfterSeconds) };
}

/** Raw body as the sender signed it (API Gateway may base64-encode it). */
export function rawBody(event: Pick<APIGatewayProxyEvent, 'body' | 'isBase64Encoded'>): string {
  if (!event.body) return '';
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

/** Case-insensitive header lookup (API Gateway preserves the sender's casing). */
export function header(event: Pick<APIGatewayProxyEvent, 'headers'>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined) return value;
  }
  return undefined;
}
