import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ExecutionStatus, HistoryEvent, StepFunctionsEngine } from './engine';
import { StepFunctionsError } from './errors';

/** Options for {@link startStepFunctionsServer}. */
export interface StepFunctionsServerOptions {
  /** TCP port on 127.0.0.1; 0 picks a free one. */
  readonly port: number;
  readonly engine: StepFunctionsEngine;
  /** @default '127.0.0.1' */
  readonly host?: string;
}

/** A running Step Functions endpoint. */
export interface StepFunctionsServer {
  readonly port: number;
  /** `http://127.0.0.1:<port>`, the `endpoint` for `SFNClient`. */
  readonly endpoint: string;
  /** Stops accepting requests, drops open connections, then closes the engine (timers, callback waits, records). */
  close(): Promise<void>;
}

type Body = Record<string, unknown>;
type Operation = (engine: StepFunctionsEngine, body: Body) => unknown;

const MAX_REQUEST_BYTES = 1024 * 1024;
const TARGET_PREFIX = 'AWSStepFunctions.';
const STATUSES: readonly ExecutionStatus[] = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];

/** Dates travel as epoch seconds, which is how the AWS JSON protocol (and so the SDK) reads timestamps. */
const epochSeconds = (date: Date | undefined): number | undefined => (date ? date.getTime() / 1000 : undefined);

/**
 * The operations this endpoint answers, by `X-Amz-Target` suffix. Each validates its request the way the service
 * does for the fields it uses and shapes its response as the Step Functions API reference describes it.
 */
const operations: Record<string, Operation> = {
  ListStateMachines: (engine, body) => {
    const page = paginate(engine.listStateMachines(), body);
    return {
      stateMachines: page.items.map((machine) => ({ ...machine, creationDate: epochSeconds(machine.creationDate) })),
      nextToken: page.nextToken,
    };
  },
  DescribeStateMachine: (engine, body) => {
    const machine = engine.describeStateMachine(requiredString(body, 'stateMachineArn'));
    return {
      ...machine,
      creationDate: epochSeconds(machine.creationDate),
      loggingConfiguration: { level: 'OFF', includeExecutionData: false },
      tracingConfiguration: { enabled: false },
    };
  },
  StartExecution: async (engine, body) => {
    const started = await engine.startExecution({
      stateMachineArn: requiredString(body, 'stateMachineArn'),
      name: optionalString(body, 'name'),
      input: optionalString(body, 'input'),
    });
    return { executionArn: started.executionArn, startDate: epochSeconds(started.startDate) };
  },
  DescribeExecution: (engine, body) => {
    const execution = engine.describeExecution(requiredString(body, 'executionArn'));
    return {
      ...execution,
      startDate: epochSeconds(execution.startDate),
      stopDate: epochSeconds(execution.stopDate),
      inputDetails: { included: true },
      ...(execution.output !== undefined ? { outputDetails: { included: true } } : {}),
      redriveCount: execution.redriveCount,
      redriveStatus:
        execution.status === 'RUNNING' || execution.status === 'SUCCEEDED' ? 'NOT_REDRIVABLE' : 'REDRIVABLE',
    };
  },
  ListExecutions: (engine, body) => {
    const statusFilter = optionalString(body, 'statusFilter');
    if (statusFilter !== undefined && !STATUSES.includes(statusFilter as ExecutionStatus)) {
      throw new StepFunctionsError('ValidationException', `statusFilter must be one of ${STATUSES.join(', ')}`);
    }
    const executions = engine.listExecutions(
      requiredString(body, 'stateMachineArn'),
      statusFilter as ExecutionStatus | undefined,
    );
    const page = paginate(executions, body);
    return {
      executions: page.items.map((execution) => ({
        ...execution,
        startDate: epochSeconds(execution.startDate),
        stopDate: epochSeconds(execution.stopDate),
      })),
      nextToken: page.nextToken,
    };
  },
  GetExecutionHistory: (engine, body) => {
    const events = engine.getExecutionHistory(requiredString(body, 'executionArn'), {
      reverseOrder: body.reverseOrder === true,
      includeExecutionData: body.includeExecutionData !== false,
    });
    const page = paginate(events, body);
    return {
      events: page.items.map((event: HistoryEvent) => ({ ...event, timestamp: epochSeconds(event.timestamp) })),
      nextToken: page.nextToken,
    };
  },
  StopExecution: async (engine, body) => {
    const { stopDate } = await engine.stopExecution(requiredString(body, 'executionArn'), {
      error: optionalString(body, 'error'),
      cause: optionalString(body, 'cause'),
    });
    return { stopDate: epochSeconds(stopDate) };
  },
  RedriveExecution: async (engine, body) => {
    const { redriveDate } = await engine.redriveExecution(requiredString(body, 'executionArn'));
    return { redriveDate: epochSeconds(redriveDate) };
  },
  SendTaskSuccess: async (engine, body) => {
    await engine.sendTaskSuccess(requiredString(body, 'taskToken'), requiredString(body, 'output'));
    return {};
  },
  SendTaskFailure: async (engine, body) => {
    await engine.sendTaskFailure(
      requiredString(body, 'taskToken'),
      optionalString(body, 'error', 256),
      optionalString(body, 'cause', 32_768),
    );
    return {};
  },
  SendTaskHeartbeat: (engine, body) => {
    engine.sendTaskHeartbeat(requiredString(body, 'taskToken'));
    return {};
  },
};

function requiredString(body: Body, field: string): string {
  const value = body[field];
  if (typeof value !== 'string' || value === '') {
    throw new StepFunctionsError(
      'ValidationException',
      `1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
}

function optionalString(body: Body, field: string, maxLength?: number): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    throw new StepFunctionsError('ValidationException', `'${field}' must be a string`);
  }
  if (maxLength !== undefined && value.length > maxLength) {
    throw new StepFunctionsError(
      'ValidationException',
      `1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must have length less than or equal to ${maxLength}`,
    );
  }
  return value;
}

/** `maxResults` (1..1000, default 100) pages with an opaque `nextToken`, as the List/Get operations do. */
function paginate<T>(items: readonly T[], body: Body): { items: T[]; nextToken?: string } {
  const maxResults = body.maxResults === undefined || body.maxResults === 0 ? 100 : body.maxResults;
  if (typeof maxResults !== 'number' || !Number.isInteger(maxResults) || maxResults < 0 || maxResults > 1000) {
    throw new StepFunctionsError('ValidationException', 'maxResults must be an integer from 0 to 1000');
  }
  let offset = 0;
  if (typeof body.nextToken === 'string') {
    const decoded = Number(
      Buffer.from(body.nextToken, 'base64url')
        .toString('utf8')
        .replace(/^offset:/, ''),
    );
    if (!Number.isInteger(decoded) || decoded < 0) throw new StepFunctionsError('InvalidToken', 'Invalid Token');
    offset = decoded;
  }
  const end = offset + maxResults;
  return {
    items: items.slice(offset, end),
    ...(end < items.length ? { nextToken: Buffer.from(`offset:${end}`).toString('base64url') } : {}),
  };
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
  });
  response.end(text);
}

function sendError(response: ServerResponse, status: number, type: string, message: string): void {
  send(response, status, { __type: type, message });
}

async function readBody(request: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function handle(engine: StepFunctionsEngine, request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (request.method !== 'POST') {
    sendError(response, 400, 'UnknownOperationException', 'Step Functions accepts POST requests only');
    return;
  }
  const target = request.headers['x-amz-target'];
  const name = typeof target === 'string' && target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
  const operation = Object.hasOwn(operations, name) ? operations[name] : undefined;
  if (!operation) {
    sendError(response, 400, 'UnknownOperationException', `Unknown operation: ${String(target)}`);
    return;
  }
  const text = await readBody(request);
  if (text === undefined) {
    sendError(response, 413, 'ValidationException', `Request body exceeds ${MAX_REQUEST_BYTES} bytes`);
    return;
  }
  let body: unknown;
  try {
    body = text === '' ? {} : JSON.parse(text);
  } catch {
    sendError(response, 400, 'SerializationException', 'Request body is not valid JSON');
    return;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    sendError(response, 400, 'SerializationException', 'Request body must be a JSON object');
    return;
  }
  try {
    send(response, 200, await operation(engine, body as Body));
  } catch (error) {
    if (error instanceof StepFunctionsError) sendError(response, 400, error.code, error.message);
    else sendError(response, 500, 'InternalFailure', error instanceof Error ? error.message : String(error));
  }
}

/**
 * Serves the engine over the AWS JSON 1.0 protocol that `@aws-sdk/client-sfn` speaks: `POST /` with
 * `X-Amz-Target: AWSStepFunctions.<Operation>`; errors are `400 {"__type", "message"}`.
 */
export async function startStepFunctionsServer(options: StepFunctionsServerOptions): Promise<StepFunctionsServer> {
  const { engine } = options;
  const host = options.host ?? '127.0.0.1';
  const server = createServer((request, response) => {
    handle(engine, request, response).catch((error: unknown) => {
      if (!response.headersSent) sendError(response, 500, 'InternalFailure', String(error));
      else response.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    port,
    endpoint: `http://${host}:${port}`,
    close: () => {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await stopped;
        await engine.close();
      })();
      return closing;
    },
  };
}
