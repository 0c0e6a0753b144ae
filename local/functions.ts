import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { type FunctionSpec, functionCatalogue, substitutionKey } from '../lambdas/function-catalogue';

type Handler = (event: unknown, context: Context) => Promise<unknown>;

export interface LocalFunction {
  spec: FunctionSpec;
  arn: string;
  invoke(event: unknown): Promise<unknown>;
}

export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT = '000000000000';

export const localFunctionArn = (id: string): string =>
  `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:lumos-${id}`;

/** A Lambda context good enough for middy and Powertools; the deadline follows the function's configured timeout. */
function lambdaContext(spec: FunctionSpec, arn: string): Context {
  const deadline = Date.now() + (spec.timeoutSeconds ?? 30) * 1000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: `lumos-${spec.id}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: arn,
    memoryLimitInMB: String(spec.memorySize ?? 512),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/lumos-${spec.id}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/**
 * Loads every handler module of the catalogue, the same modules the stack bundles, and wraps each as an invokable
 * function with its local ARN.
 */
export async function loadFunctions(projectRoot: string): Promise<Map<string, LocalFunction>> {
  const functions = new Map<string, LocalFunction>();
  for (const spec of functionCatalogue) {
    const module = (await import(join(projectRoot, spec.entry))) as {
      handler?: Handler;
      default?: { handler?: Handler };
    };
    const handler = module.handler ?? module.default?.handler;
    if (typeof handler !== 'function') throw new Error(`${spec.entry} does not export a handler`);
    const arn = localFunctionArn(spec.id);
    functions.set(spec.id, { spec, arn, invoke: (event) => handler(event, lambdaContext(spec, arn)) });
  }
  return functions;
}

/** DefinitionSubstitutions for the ASL: `${<Id>FunctionArn}` -> the local ARN, exactly as CDK substitutes real ARNs. */
export function localSubstitutions(): Record<string, string> {
  return Object.fromEntries(
    functionCatalogue
      .filter((spec) => spec.role === 'workflow')
      .map((spec) => [substitutionKey(spec), localFunctionArn(spec.id)]),
  );
}
