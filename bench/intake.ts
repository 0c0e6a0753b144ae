import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ListExecutionsCommand, ListStateMachinesCommand, SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDbIncidentStore } from '../lambdas/adapters/aws/dynamodb-incident-store';
import { FileRawArchive } from '../lambdas/adapters/local/file-raw-archive';
import { handleDelivery, type IntakeResponse } from '../lambdas/intake/intake-request';
import type { IntakeDeps } from '../lambdas/intake/intake-service';
import { loadIntakeSettings } from '../lambdas/intake/settings';
import { eventParserFor, webhookParserFor } from '../lambdas/intake/sources';
import { systemClock } from '../lambdas/ports/clock';
import type { Workflow } from '../lambdas/ports/workflow';
import { startDynamoDbLocal } from '../local/dynamodb-local';
import { incidentTableDefinition } from '../local/incident-table';
import { freePort, sign, startLocalLumos } from '../test/support/local-runtime';
import { fmt, machineLoad, percentile, processTreeCpuMs, table, verdict } from './stats';

/**
 * Intake figures (not pass/fail): throughput and latency of signed webhook deliveries, the same deliveries again
 * (duplicates), and the alarm storm (N distinct alarms on one service, each delivered twice at once -> incidents,
 * executions). Against the real local runtime (`npm start` in a child process); `--in-process` (or a runtime that
 * does not come up) measures the intake core in-process on DynamoDB Local instead, and says so.
 */

const SECRET = 'bench-intake-secret';
const DELIVERIES = Number(process.env.BENCH_INTAKE_DELIVERIES ?? 400);
const SERVICES = Number(process.env.BENCH_INTAKE_SERVICES ?? 20);
const STORM = Number(process.env.BENCH_STORM_ALARMS ?? 300);
const CONCURRENCY = Number(process.env.BENCH_INTAKE_CONCURRENCY ?? 16);

interface Sent {
  status: number;
  answer?: IntakeResponse;
  /** The error message of a refused delivery. */
  error?: string;
  ms: number;
}

/** What a benchmark drives: the HTTP API of the runtime, or the intake core directly. */
interface Target {
  name: string;
  webhook(route: string, body: string): Promise<Sent>;
  event(body: string): Promise<Sent>;
  executions(): Promise<number>;
  /** CPU time used so far by what serves the deliveries (runtime: Node + DynamoDB Local; in-process: this process). */
  cpuMs(): number | undefined;
  stop(): Promise<void>;
}

async function pool<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

/** Generic alerts: `count` distinct signals spread over `services` services (one incident per service). */
function alerts(count: number, services: number, run: string): string[] {
  return Array.from({ length: count }, (_, i) =>
    JSON.stringify({
      id: `bench-${run}-${i}`,
      title: `Synthetic check ${i} failing`,
      description: `Bench alert ${i}: HTTP 503 from the health endpoint of service ${i % services}.`,
      service: `bench-${run}-service-${i % services}`,
      severity: i % 7 === 0 ? 'critical' : 'warning',
      fingerprint: `bench/${run}/check-${i}`,
      source: 'bench',
    }),
  );
}

/** CloudWatch alarm events: `count` distinct alarms on one service, within one minute. */
function storm(count: number, run: string): string[] {
  return Array.from({ length: count }, (_, i) =>
    JSON.stringify({
      version: '0',
      id: `bench-storm-${run}-${i}`,
      'detail-type': 'CloudWatch Alarm State Change',
      source: 'aws.cloudwatch',
      account: '111122223333',
      time: new Date(Date.now() + (i % 60) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: 'eu-west-1',
      resources: [`arn:aws:cloudwatch:eu-west-1:111122223333:alarm:bench-${run}-alarm-${i}`],
      detail: {
        alarmName: `bench-${run}-alarm-${i}`,
        state: {
          value: 'ALARM',
          reason: `bench storm alarm ${i}`,
          timestamp: new Date().toISOString().replace('Z', '+0000'),
        },
        configuration: {
          description: `storm alarm ${i}`,
          metrics: [
            {
              id: 'm1',
              metricStat: {
                metric: { namespace: 'Bench', name: `Metric${i}`, dimensions: { ServiceName: `bench-${run}-storm` } },
                period: 60,
                stat: 'Sum',
              },
            },
          ],
        },
      },
    }),
  );
}

async function runtimeTarget(): Promise<Target> {
  const lumos = await startLocalLumos({ LUMOS_WEBHOOK_SECRET: SECRET, POWERTOOLS_LOG_LEVEL: 'ERROR' }, 180_000);
  const post = async (path: string, body: string, headers: Record<string, string>): Promise<Sent> => {
    const started = performance.now();
    const response = await fetch(`${lumos.api}${path}`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...headers },
    });
    const text = await response.text();
    const ms = performance.now() - started;
    const parsed = JSON.parse(text) as IntakeResponse & { error?: { message?: string } };
    return response.status === 202
      ? { status: response.status, answer: parsed, ms }
      : { status: response.status, error: parsed.error?.message, ms };
  };
  const sfn = new SFNClient({
    endpoint: lumos.sfnEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  return {
    name: 'local runtime (npm start: HTTP API -> WebhookIntake/AlarmIntake handlers -> DynamoDB Local + local Step Functions)',
    webhook: (route, body) => post(`/webhooks/${route}`, body, { 'X-Lumos-Signature': sign(SECRET, body) }),
    event: (body) => post('/events', body, {}),
    async executions() {
      const { stateMachines = [] } = await sfn.send(new ListStateMachinesCommand({}));
      let count = 0;
      let nextToken: string | undefined;
      do {
        const page = await sfn.send(
          new ListExecutionsCommand({
            stateMachineArn: stateMachines[0]!.stateMachineArn,
            nextToken,
            maxResults: 1000,
          }),
        );
        count += page.executions?.length ?? 0;
        nextToken = page.nextToken;
      } while (nextToken);
      return count;
    },
    cpuMs: () => processTreeCpuMs(lumos.process.pid!),
    stop: async () => {
      await lumos.stop();
    },
  };
}

/** Step Functions stand-in for the in-process bench: counts executions by name, as StartExecution would. */
class CountingWorkflow implements Workflow {
  readonly names = new Set<string>();
  async start(name: string) {
    const alreadyStarted = this.names.has(name);
    this.names.add(name);
    return { executionArn: `arn:aws:states:us-east-1:000000000000:execution:lumos-incident:${name}`, alreadyStarted };
  }
  async sendTaskSuccess() {}
  async sendTaskFailure() {}
  async sendTaskHeartbeat() {}
}

async function inProcessTarget(): Promise<Target> {
  const db = await startDynamoDbLocal({ port: await freePort(), timeoutMs: 60_000 });
  const home = mkdtempSync(join(tmpdir(), 'lumos-bench-intake-'));
  const client = new DynamoDBClient({
    endpoint: db.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    requestHandler: { httpAgent: new Agent({ keepAlive: true, maxSockets: 64 }) },
  });
  await client.send(new CreateTableCommand(incidentTableDefinition('bench-incidents')));
  const workflow = new CountingWorkflow();
  const deps: IntakeDeps = {
    store: new DynamoDbIncidentStore('bench-incidents', client),
    workflow,
    archive: new FileRawArchive(home),
    clock: systemClock,
    settings: loadIntakeSettings({ ...process.env, LUMOS_DUPLICATE_WAIT_MS: '20000' }),
  };
  const call = async (work: () => Promise<IntakeResponse>): Promise<Sent> => {
    const started = performance.now();
    try {
      const answer = await work();
      return { status: 202, answer, ms: performance.now() - started };
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode ?? 500;
      return { status, error: (error as Error).message, ms: performance.now() - started };
    }
  };
  return {
    name: 'in-process intake core (handleDelivery) on DynamoDB Local, Step Functions replaced by a counter',
    webhook: (route, body) =>
      call(() =>
        handleDelivery(
          deps,
          webhookParserFor(route),
          route,
          { body, header: (n) => (n.toLowerCase() === 'x-lumos-signature' ? sign(SECRET, body) : undefined) },
          SECRET,
        ),
      ),
    event: (body) =>
      call(() =>
        handleDelivery(
          deps,
          eventParserFor('aws.cloudwatch'),
          'aws.cloudwatch',
          { body, header: () => undefined },
          undefined,
          {
            channel: 'event',
          },
        ),
      ),
    executions: async () => workflow.names.size,
    cpuMs: () => processTreeCpuMs(process.pid),
    async stop() {
      client.destroy();
      await db.stop();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

function figures(label: string, sent: Sent[], seconds: number, cpuMs: number | undefined): (string | number)[] {
  const ok = sent.filter((s) => s.status === 202);
  const latencies = sent.map((s) => s.ms);
  const statuses = new Map<string, number>();
  for (const s of sent) {
    const key = s.answer?.status ?? String(s.status);
    statuses.set(key, (statuses.get(key) ?? 0) + 1);
  }
  return [
    label,
    sent.length,
    (sent.length / seconds).toFixed(1),
    fmt(percentile(latencies, 50)),
    fmt(percentile(latencies, 95)),
    cpuMs === undefined ? '-' : fmt(cpuMs / sent.length),
    `${ok.length}/${sent.length}`,
    [...statuses].map(([k, v]) => `${v} ${k}`).join(', '),
  ];
}

/** The work's result, its wall time in seconds and the target's CPU time for it in milliseconds. */
async function timed<T>(target: Target, work: () => Promise<T>): Promise<[T, number, number | undefined]> {
  const cpu = target.cpuMs();
  const started = performance.now();
  const result = await work();
  const seconds = (performance.now() - started) / 1000;
  const cpuAfter = target.cpuMs();
  return [result, seconds, cpu !== undefined && cpuAfter !== undefined ? cpuAfter - cpu : undefined];
}

/** The intake section of `npm run bench`. */
export async function intakeBench(options: { inProcess?: boolean } = {}): Promise<void> {
  let target: Target;
  let note = '';
  if (options.inProcess) target = await inProcessTarget();
  else {
    try {
      target = await runtimeTarget();
    } catch (error) {
      note = `(the local runtime did not come up: ${String((error as Error).message).split('\n')[0]}; measured in-process instead)\n`;
      target = await inProcessTarget();
    }
  }
  const run = Date.now().toString(36);
  try {
    const bodies = alerts(DELIVERIES, SERVICES, run);
    const loadBefore = machineLoad();
    const [first, firstSeconds, firstCpu] = await timed(target, () =>
      pool(bodies, CONCURRENCY, (b) => target.webhook('generic', b)),
    );
    const [again, againSeconds, againCpu] = await timed(target, () =>
      pool(bodies, CONCURRENCY, (b) => target.webhook('generic', b)),
    );

    const events = storm(STORM, run);
    const executionsBefore = await target.executions();
    const twice = events.flatMap((e) => [e, e]);
    const [stormSent, stormSeconds, stormCpu] = await timed(target, () =>
      Promise.all(twice.map((e) => target.event(e))),
    );
    const incidents = new Set(stormSent.map((s) => s.answer?.incidentId).filter(Boolean));
    const executions = (await target.executions()) - executionsBefore;

    const errors = new Map<string, number>();
    for (const s of [...first, ...again, ...stormSent]) {
      if (s.error) errors.set(s.error.slice(0, 160), (errors.get(s.error.slice(0, 160)) ?? 0) + 1);
    }
    console.log(
      `\n## Intake — ${target.name} (${loadBefore} before, ${machineLoad()} after)\n${note}${table([
        ['deliveries', 'n', 'per s', 'p50', 'p95', 'CPU/delivery', '202', 'answers'],
        figures(`signed generic alerts, ${SERVICES} services, ${CONCURRENCY} at a time`, first, firstSeconds, firstCpu),
        figures('the same deliveries again (duplicates)', again, againSeconds, againCpu),
        figures(`storm: ${STORM} alarms x 2, all at once`, stormSent, stormSeconds, stormCpu),
      ])}\n${verdict(`new-alert intake at ${CONCURRENCY} concurrent`, first.length / firstSeconds, 100, 'deliveries/s', false)}\n${verdict(
        'new-alert intake p95',
        percentile(
          first.map((s) => s.ms),
          95,
        ),
        500,
        'ms',
      )}\n\nStorm: ${STORM} distinct alarms on one service, each delivered twice at once -> ${incidents.size} incident(s), ${executions} execution(s).${[...errors].map(([message, n]) => `\n  refused ${n}x: ${message}`).join('')}`,
    );
  } finally {
    await target.stop();
  }
}

if (require.main === module) {
  intakeBench({ inProcess: process.argv.includes('--in-process') }).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
