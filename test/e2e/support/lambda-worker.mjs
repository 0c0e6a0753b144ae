// One Lambda execution environment for one bundled function, in a plain Node process (no tsx, no ts-jest): it
// imports the asset's index.mjs once (the cold start) and then serves invocations sent over IPC, one at a time, as
// Lambda does. The environment is the function's own, set by the parent before this process starts.
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';

const [bundle, functionName, timeoutSeconds, memorySize] = process.argv.slice(2);

function context() {
  const deadline = Date.now() + Number(timeoutSeconds) * 1000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION}:000000000000:function:${functionName}`,
    memoryLimitInMB: memorySize,
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'bundled-e2e',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
}

const serialize = (error) => ({
  errorType: error?.name ?? 'Error',
  errorMessage: error?.message ?? String(error),
  stack: error?.stack,
});

/** CPU time this process has used, in milliseconds: unlike wall time, not stretched by other load on the machine. */
const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

let handler;
let queue = Promise.resolve();
const initStarted = performance.now();
const initCpu = cpuMs();
try {
  const module = await import(pathToFileURL(bundle).href);
  handler = module.handler;
  if (typeof handler !== 'function') throw new Error(`${bundle} does not export a handler`);
  process.send({ type: 'ready', initMs: performance.now() - initStarted, initCpuMs: cpuMs() - initCpu });
} catch (error) {
  process.send({ type: 'init-error', error: serialize(error) });
  process.exit(1);
}

process.on('message', (message) => {
  if (message.type !== 'invoke') return;
  queue = queue.then(async () => {
    const started = performance.now();
    const cpu = cpuMs();
    try {
      const result = await handler(message.event, context());
      const ms = performance.now() - started;
      process.send({ type: 'result', id: message.id, result: result ?? null, ms, cpuMs: cpuMs() - cpu });
    } catch (error) {
      const ms = performance.now() - started;
      process.send({ type: 'error', id: message.id, error: serialize(error), ms, cpuMs: cpuMs() - cpu });
    }
  });
});
