import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import * as path from 'node:path';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { LOCAL_ACCOUNT } from '../../../local/functions';
import type { SynthesizedFunction } from './synth-bundled-stage';

const projectRoot = path.resolve(__dirname, '..', '..', '..');
const node = path.join(projectRoot, 'node_modules', '.bin', 'node');
const worker = path.join(__dirname, 'lambda-worker.mjs');

/** What the local stand-ins answer for the template's references (`Ref`, `Fn::GetAtt`, ...), by variable name. */
export type ReferenceValues = Record<string, string>;

/**
 * The function's environment as Lambda would give it: the template's variables (plain strings as they are, references
 * resolved to the local stand-ins, `/opt/...` paths to the layer's asset folder), plus what the Lambda service sets.
 */
export function lambdaEnvironment(
  fn: SynthesizedFunction,
  references: ReferenceValues,
  service: Record<string, string>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(fn.environment)) {
    if (typeof value === 'string') {
      const layer = fn.layerDirs[0];
      env[name] = value.startsWith('/opt/') && layer ? path.join(layer, value.slice('/opt/'.length)) : value;
      continue;
    }
    const resolved = references[name];
    if (resolved === undefined) throw new Error(`${fn.id}: no local value for ${name} (${JSON.stringify(value)})`);
    env[name] = resolved;
  }
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    TZ: 'UTC',
    AWS_LAMBDA_FUNCTION_NAME: `lumos-${fn.id}`,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    LAMBDA_TASK_ROOT: fn.assetDir,
    ...service,
    ...env,
  };
}

/**
 * Layers put their `nodejs/node_modules` on the module path. Emulated with a `node_modules` inside the function's
 * asset folder that links each package of each layer, so only functions that have the layer can load them.
 */
export function linkLayerModules(fn: SynthesizedFunction): void {
  for (const layer of fn.layerDirs) {
    const modules = path.join(layer, 'nodejs', 'node_modules');
    if (!existsSync(modules)) continue;
    for (const entry of readdirSync(modules)) {
      const packages = entry.startsWith('@')
        ? readdirSync(path.join(modules, entry)).map((p) => `${entry}/${p}`)
        : [entry];
      for (const name of packages) {
        const link = path.join(fn.assetDir, 'node_modules', ...name.split('/'));
        if (existsSync(link)) continue;
        mkdirSync(path.dirname(link), { recursive: true });
        symlinkSync(path.join(modules, ...name.split('/')), link, 'dir');
      }
    }
  }
}

/** An error a function threw, carrying its name so the state machine's Retry and Catch can match it. */
class FunctionError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

type WorkerMessage =
  | { type: 'ready'; initMs: number; initCpuMs: number }
  | { type: 'init-error'; error: { errorType: string; errorMessage: string; stack?: string } }
  | { type: 'result'; id: number; result: unknown; ms: number; cpuMs: number }
  | {
      type: 'error';
      id: number;
      error: { errorType: string; errorMessage: string; stack?: string };
      ms: number;
      cpuMs: number;
    };

/**
 * One warm execution environment per function: a plain `node` process (no tsx, no ts-jest) that imported the
 * asset's `index.mjs` and handles one invocation at a time. Started on the first invocation, as Lambda does.
 */
export class BundledFunction {
  private child?: ChildProcess;
  private starting?: Promise<void>;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private output = '';
  /** Milliseconds from process start to the handler being importable, once started. */
  initMs?: number;
  /** CPU milliseconds the function's process spent importing the handler. */
  initCpuMs?: number;
  invocations = 0;
  /** Milliseconds the last invocation took inside the function's process. */
  lastInvocationMs?: number;
  /** CPU milliseconds the function's process spent on the last invocation. */
  lastInvocationCpuMs?: number;
  /** Errors the handler threw, as `name: message`. */
  readonly errors: string[] = [];

  constructor(
    readonly fn: SynthesizedFunction,
    private readonly env: Record<string, string>,
  ) {}

  /** What the function printed (its logs), for diagnosing a failure. */
  logs(): string {
    return this.output;
  }

  private start(): Promise<void> {
    this.starting ??= new Promise<void>((resolve, reject) => {
      const child = spawn(
        node,
        [
          worker,
          path.join(this.fn.assetDir, 'index.mjs'),
          `lumos-${this.fn.id}`,
          String(this.fn.timeoutSeconds),
          String(this.fn.memorySize),
        ],
        { cwd: this.fn.assetDir, env: this.env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] },
      );
      this.child = child;
      const keep = (chunk: Buffer) => {
        this.output = (this.output + chunk.toString('utf8')).slice(-200_000);
      };
      child.stdout?.on('data', keep);
      child.stderr?.on('data', keep);
      child.on('message', (message: WorkerMessage) => {
        if (message.type === 'ready') {
          this.initMs = message.initMs;
          this.initCpuMs = message.initCpuMs;
          resolve();
        } else if (message.type === 'init-error') {
          reject(
            new Error(`${this.fn.id} failed to load: ${message.error.errorMessage}\n${message.error.stack ?? ''}`),
          );
        } else {
          this.lastInvocationMs = message.ms;
          this.lastInvocationCpuMs = message.cpuMs;
          const waiting = this.pending.get(message.id);
          this.pending.delete(message.id);
          if (message.type === 'result') waiting?.resolve(message.result);
          else {
            this.errors.push(`${message.error.stack ?? `${message.error.errorType}: ${message.error.errorMessage}`}`);
            waiting?.reject(new FunctionError(message.error.errorType, message.error.errorMessage));
          }
        }
      });
      child.on('exit', (code, signal) => {
        const error = new Error(`${this.fn.id} exited (${code ?? signal}):\n${this.output.slice(-4000)}`);
        reject(error);
        for (const waiting of this.pending.values()) waiting.reject(error);
        this.pending.clear();
      });
    });
    return this.starting;
  }

  async invoke(event: unknown): Promise<unknown> {
    await this.start();
    this.invocations++;
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child?.send({ type: 'invoke', id, event });
    });
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }
}

/** An API Gateway REST proxy event for `resource` (e.g. `/incidents/{incidentId}`), as the deployed API sends it. */
export function apiEvent(
  method: string,
  resource: string,
  pathParameters: Record<string, string>,
  body: string | null,
  headers: Record<string, string> = {},
): APIGatewayProxyEvent {
  const routePath = resource.replace(/\{(\w+)\}/g, (_, name: string) => pathParameters[name] ?? '');
  return {
    httpMethod: method,
    resource,
    path: routePath,
    pathParameters,
    headers: { 'content-type': 'application/json', ...headers },
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    body,
    isBase64Encoded: false,
    requestContext: {
      accountId: LOCAL_ACCOUNT,
      apiId: 'bundled-e2e',
      httpMethod: method,
      path: `/v1${routePath}`,
      protocol: 'HTTP/1.1',
      requestId: `req-${Date.now()}`,
      requestTimeEpoch: Date.now(),
      resourceId: 'r',
      resourcePath: resource,
      stage: 'v1',
      identity: { sourceIp: '127.0.0.1', userAgent: 'bundled-e2e' },
    } as APIGatewayProxyEvent['requestContext'],
  };
}
