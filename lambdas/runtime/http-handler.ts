import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { httpErrors } from '../shared/http';
import { observed } from './observed';

type HttpMiddleware = MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult>;

/**
 * The handler of an API route: the Powertools middleware, named errors mapped to their status (4xx naming the
 * problem, a bare 500 otherwise), then `middlewares` in order, then `handle`.
 */
export function httpHandler(
  handle: (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>,
  ...middlewares: HttpMiddleware[]
) {
  const chain = observed<APIGatewayProxyEvent, APIGatewayProxyResult>().use(httpErrors());
  for (const middleware of middlewares) chain.use(middleware);
  return chain.handler(handle);
}
