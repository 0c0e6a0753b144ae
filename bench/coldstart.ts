import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type FunctionSpec, functionCatalogue } from '../lambdas/function-catalogue';
import { apiEvent, BundledFunction } from '../test/e2e/support/bundled-functions';
import { startBundledRuntime } from '../test/e2e/support/bundled-runtime';
import { fmt, machineLoad, percentile, table } from './stats';

/** Target for import + first invocation, in milliseconds. */
const TARGET_MS = 250;
/** A first invocation still running after this long is reported as timed out (a stand-in it needs did not answer). */
const INVOCATION_LIMIT_MS = Number(process.env.BENCH_COLDSTART_LIMIT_MS ?? 20_000);
/** Catalogue ids to measure, comma-separated (`BENCH_COLDSTART_ONLY=Postmortem,KnowledgeSync`); all when unset. */
const ONLY = new Set(
  (process.env.BENCH_COLDSTART_ONLY ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id !== ''),
);

/** How a first invocation ended: it returned, it threw (an error is still a cold start, and is counted), or it hung. */
type FirstCall = 'returned' | 'threw' | 'timed out';

async function invokeWithin(fn: BundledFunction, event: unknown): Promise<FirstCall> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<FirstCall>((resolve) => {
    timer = setTimeout(() => resolve('timed out'), INVOCATION_LIMIT_MS);
  });
  try {
    return await Promise.race([
      fn.invoke(event).then(
        (): FirstCall => 'returned',
        (): FirstCall => 'threw',
      ),
      limit,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The first event a fresh function gets: a workflow step asked about an incident that does not exist, the first
 * route of an API function (with a bad token or signature where it checks one), an empty event otherwise. Each makes
 * the handler build its clients and make its first calls, without starting a workflow.
 */
function firstEvent(spec: FunctionSpec): unknown {
  if (spec.role === 'workflow') return { incidentId: 'inc-cold-start-bench' };
  const route = spec.routes?.[0];
  if (!route) return {};
  const params = Object.fromEntries([...route.path.matchAll(/\{(\w+)\}/g)].map((m) => [m[1]!, 'cold-start-bench']));
  const body = route.method === 'GET' ? null : '{"token":"not-a-token","decision":"approve"}';
  return apiEvent(route.method, route.path, params, body, { 'X-Lumos-Signature': 'sha256=0' });
}

/**
 * Cold start of every function's bundle from cdk.out: a fresh `node` process imports `index.mjs` and handles its
 * first event against the HTTP stand-ins (DynamoDB answers as if empty). Runs each function
 * BENCH_COLDSTART_RUNS times (default 5), one process at a time, and reports p50/p95 of import + first invocation.
 */
export async function coldStartBench(runs = Number(process.env.BENCH_COLDSTART_RUNS ?? 5)): Promise<void> {
  const home = mkdtempSync(path.join(tmpdir(), 'lumos-coldstart-'));
  const runtime = await startBundledRuntime({ home, webhookSecret: 'cold-start-bench', dynamodb: 'stand-in' });
  const rows: (string | number)[][] = [
    [
      'function',
      'import p50',
      'first call p50',
      'cold start p50',
      'cold start p95',
      'CPU p50',
      'CPU p95',
      'process p95',
      'first call threw',
      `< ${TARGET_MS} ms`,
    ],
  ];
  const loadBefore = machineLoad();
  const all: number[] = [];
  const allCpu: number[] = [];
  const timedOut = new Set<string>();
  try {
    for (const spec of functionCatalogue) {
      if (ONLY.size > 0 && !ONLY.has(spec.id)) continue;
      const synthesized = runtime.functions.get(spec.id);
      if (!synthesized) throw new Error(`no synthesized function ${spec.id}`);
      const imports: number[] = [];
      const firstCalls: number[] = [];
      const coldStarts: number[] = [];
      const processes: number[] = [];
      const cpus: number[] = [];
      let threw = 0;
      let loaded = true;
      for (let run = 0; run < runs; run++) {
        const fn = new BundledFunction(synthesized, runtime.environmentOf(synthesized));
        const spawned = performance.now();
        const firstCall = await invokeWithin(fn, firstEvent(spec));
        processes.push(performance.now() - spawned);
        await fn.stop();
        if (firstCall === 'timed out') {
          timedOut.add(spec.id);
          break;
        }
        if (fn.initMs === undefined) {
          // The bundle did not load: that is a failure to report, not a cold start to time.
          loaded = false;
          break;
        }
        if (firstCall === 'threw') threw++;
        imports.push(fn.initMs ?? Number.NaN);
        firstCalls.push(fn.lastInvocationMs ?? Number.NaN);
        coldStarts.push((fn.initMs ?? Number.NaN) + (fn.lastInvocationMs ?? Number.NaN));
        cpus.push((fn.initCpuMs ?? Number.NaN) + (fn.lastInvocationCpuMs ?? Number.NaN));
      }
      all.push(...coldStarts);
      allCpu.push(...cpus);
      const p95 = percentile(coldStarts, 95);
      rows.push([
        spec.id,
        fmt(percentile(imports, 50)),
        fmt(percentile(firstCalls, 50)),
        fmt(percentile(coldStarts, 50)),
        fmt(p95),
        fmt(percentile(cpus, 50)),
        fmt(percentile(cpus, 95)),
        fmt(percentile(processes, 95)),
        `${threw}/${coldStarts.length}`,
        !loaded
          ? 'FAILED TO LOAD'
          : timedOut.has(spec.id)
            ? `timed out after ${INVOCATION_LIMIT_MS} ms`
            : p95 < TARGET_MS
              ? 'yes'
              : 'no',
      ]);
    }
  } finally {
    await runtime.stop();
    rmSync(home, { recursive: true, force: true });
  }
  rows.push([
    'all functions',
    '',
    '',
    fmt(percentile(all, 50)),
    fmt(percentile(all, 95)),
    fmt(percentile(allCpu, 50)),
    fmt(percentile(allCpu, 95)),
    '',
    '',
    percentile(all, 95) < TARGET_MS ? 'yes' : 'no',
  ]);
  console.log(
    `\n## Cold start of the bundles from cdk.out (fresh node process: import + first invocation, n=${runs} each; ` +
      `${loadBefore} before, ${machineLoad()} after)\n` +
      `"CPU" is the function process's CPU time for the same import + first invocation (wall time on a shared machine ` +
      `includes waiting for other processes). "process" adds Node's own start-up and the IPC round trip.\n${table(rows)}`,
  );
}
