/**
 * Measuring the usage per incident on the local runtime (`npm run cost -- --measure`), and reading the pricing data.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { functionCatalogue } from '../../lambdas/function-catalogue';
import { scale, type Usage, type UsageProfile } from './model';

const ROOT = resolve(__dirname, '..', '..');

export const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

/** State name -> catalogue function id, from the ASL's `${<Id>FunctionArn}` references (Parallel branches included). */
export function taskFunctions(asl: unknown): Map<string, { functionId: string; callback: boolean }> {
  const map = new Map<string, { functionId: string; callback: boolean }>();
  const walk = (states: Record<string, Record<string, unknown>>) => {
    for (const [name, state] of Object.entries(states)) {
      if (state.Type === 'Task') {
        const text = JSON.stringify(state.Parameters ?? {}) + String(state.Resource ?? '');
        const id = /\$\{(\w+)FunctionArn\}/.exec(text)?.[1];
        if (id) map.set(name, { functionId: id, callback: String(state.Resource ?? '').includes('waitForTaskToken') });
      }
      for (const branch of (state.Branches as { States: Record<string, Record<string, unknown>> }[] | undefined) ?? [])
        walk(branch.States);
      const processor = (state.ItemProcessor ?? state.Iterator) as
        | { States: Record<string, Record<string, unknown>> }
        | undefined;
      if (processor) walk(processor.States);
    }
  };
  walk((asl as { States: Record<string, Record<string, unknown>> }).States);
  return map;
}

const emptyUsage = (): Usage => ({
  stateTransitions: 0,
  lambdaInvocations: 0,
  lambdaGbSeconds: 0,
  dynamodbReadUnits: 0,
  dynamodbWriteUnits: 0,
  llmTokens: {},
  embeddingTokens: 0,
  notifications: {},
  timersScheduled: 0,
  s3Puts: 0,
  apiRequests: 0,
});

/** Answer length assumed for model calls the local stand-in cannot answer (a structured tool call). */
const ASSUMED_ANSWER_TOKENS = 400;
/** The system prompt and the answer tool's schema, sent with every call but not part of the rendered user turn. */
const PROMPT_OVERHEAD_TOKENS = 500;

const READ_COMMANDS = /^(Get|Query|Scan|BatchGet|TransactGet)(Item)?Command$/;
const CAPACITY_COMMANDS =
  /^(Get|Put|Update|Delete|Query|Scan|BatchGet|BatchWrite|TransactGet|TransactWrite)(Item)?Command$/;

/**
 * Runs the local runtime in this process, sends sample tickets and alerts one at a time, approves what waits for
 * approval, and measures per incident: state transitions and Lambda time (Step Functions history), DynamoDB
 * request units (consumed capacity DynamoDB Local reports), model tokens (the local model renders the same
 * prompts), notifications, timers and archived deliveries. Writes pricing/usage-profile.json.
 */
export async function measure(sample: number): Promise<UsageProfile> {
  // The local runtime loads ESM-only middy through this resolver (npm start preloads it the same way).
  require(join(ROOT, 'local', 'esm-only-packages.cjs'));
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { createHmac } = await import('node:crypto');
  const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
  const { DynamoDBDocumentClient } = await import('@aws-sdk/lib-dynamodb');
  const { SFNClient, DescribeExecutionCommand, GetExecutionHistoryCommand } = await import('@aws-sdk/client-sfn');
  const { HeuristicLanguageModel } = await import('../../lambdas/adapters/local/heuristic-language-model');
  const { renderUserTurn } = await import('../../lambdas/llm/untrusted-data');
  const { estimateTokens } = await import('../../lambdas/llm/token-budget');
  const { OutboxNotifier } = await import('../../lambdas/adapters/local/outbox-notifier');
  const { DynamoDbTimerTable } = await import('../../lambdas/adapters/local/timer-table');
  const { FileRawArchive } = await import('../../lambdas/adapters/local/file-raw-archive');
  const { loadLocalConfig } = await import('../../local/config');
  const { startLumos } = await import('../../local/runtime');
  const { freePort } = await import('../../test/support/local-runtime');

  let current = emptyUsage();
  // Tally every DynamoDB request by the capacity DynamoDB Local says it consumed. The local timer table polls
  // DynamoDB, which EventBridge Scheduler does not: its reads are left out, its schedules counted as timers.
  for (const Client of [DynamoDBClient, DynamoDBDocumentClient] as unknown as {
    prototype: { send: (...args: unknown[]) => Promise<unknown> };
  }[]) {
    const original = Object.getPrototypeOf(Client.prototype).send as (...args: unknown[]) => Promise<unknown>;
    Client.prototype.send = async function (this: unknown, command: unknown, ...rest: unknown[]) {
      const name = (command as object).constructor.name;
      const input = (command as { input: Record<string, unknown> }).input;
      const timers = JSON.stringify(input).includes('lumos-timers');
      if (CAPACITY_COMMANDS.test(name)) input.ReturnConsumedCapacity = 'TOTAL';
      try {
        const output = (await original.call(this, command, ...rest)) as {
          ConsumedCapacity?: { CapacityUnits?: number } | { CapacityUnits?: number }[];
        };
        const consumed = ([] as { CapacityUnits?: number }[])
          .concat(output?.ConsumedCapacity ?? [])
          .reduce((s, c) => s + (c.CapacityUnits ?? 0), 0);
        if (!timers) {
          if (READ_COMMANDS.test(name)) current.dynamodbReadUnits += consumed;
          else current.dynamodbWriteUnits += consumed;
        }
        return output;
      } catch (error) {
        // A failed conditional write still costs one write unit.
        if (!timers && !READ_COMMANDS.test(name) && CAPACITY_COMMANDS.test(name)) current.dynamodbWriteUnits += 1;
        throw error;
      }
    };
  }
  const model = HeuristicLanguageModel.prototype as unknown as {
    generate: (request: { agent: string }) => Promise<{ usage: { inputTokens: number; outputTokens: number } }>;
  };
  const generate = model.generate;
  // Every model call is counted with the prompt Bedrock would get. Tasks the local model has no skill for fail
  // here (agents then use their rules), but in AWS they are answered: they count with an assumed answer length.
  model.generate = async function (this: unknown, request: { agent: string }) {
    const tokens = current.llmTokens[request.agent] ?? { input: 0, output: 0 };
    current.llmTokens[request.agent] = tokens;
    try {
      const response = await generate.call(this, request);
      tokens.input += response.usage.inputTokens + PROMPT_OVERHEAD_TOKENS;
      tokens.output += response.usage.outputTokens;
      return response;
    } catch (error) {
      const prompt = renderUserTurn(request as unknown as Parameters<typeof renderUserTurn>[0], 'bedrock');
      tokens.input += estimateTokens(prompt) + PROMPT_OVERHEAD_TOKENS;
      tokens.output += ASSUMED_ANSWER_TOKENS;
      throw error;
    }
  };
  const outbox = OutboxNotifier.prototype as unknown as { send: (n: { channel: string }) => Promise<unknown> };
  const send = outbox.send;
  outbox.send = function (this: unknown, notification: { channel: string }) {
    current.notifications[notification.channel] = (current.notifications[notification.channel] ?? 0) + 1;
    return send.call(this, notification);
  };
  const timers = DynamoDbTimerTable.prototype as unknown as { schedule: (...args: unknown[]) => Promise<void> };
  const schedule = timers.schedule;
  timers.schedule = function (this: unknown, ...args: unknown[]) {
    current.timersScheduled += 1;
    return schedule.apply(this, args);
  };
  const archive = FileRawArchive.prototype as unknown as { put: (...args: unknown[]) => Promise<string> };
  const put = archive.put;
  archive.put = function (this: unknown, ...args: unknown[]) {
    current.s3Puts += 1;
    return put.apply(this, args);
  };

  const home = mkdtempSync(join(tmpdir(), 'lumos-cost-'));
  const secret = 'cost-measure-secret';
  Object.assign(process.env, {
    LUMOS_WEBHOOK_SECRET: secret,
    LUMOS_TIMER_POLL_MS: '500',
    LUMOS_APPROVAL_LINK_KEY: 'cost-measure-key',
  });
  const config = {
    ...loadLocalConfig(),
    home,
    port: await freePort(),
    sfnPort: await freePort(),
    dynamodbPort: await freePort(),
  };
  process.stdout.write(`starting the local runtime in ${home}\n`);
  const lumos = await startLumos(config);
  const sfn = new SFNClient({
    endpoint: lumos.urls.stepFunctions,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const asl = readJson<unknown>(join(ROOT, 'statemachines', 'incident.asl.json'));
  const tasks = taskFunctions(asl);
  const memory = new Map(functionCatalogue.map((spec) => [spec.id, spec.memorySize ?? 512]));
  const webhookMemory = (memory.get('WebhookIntake') ?? 512) / 1024;

  const post = async (path: string, body: string, headers: Record<string, string>) => {
    const started = Date.now();
    const response = await fetch(`${lumos.urls.api}${path}`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...headers },
    });
    current.apiRequests += 1;
    current.lambdaInvocations += 1;
    current.lambdaGbSeconds += ((Date.now() - started) / 1000) * webhookMemory;
    return (await response.json()) as { incidentId?: string; executionArn?: string; status?: string };
  };
  const approvePending = async (incidentId: string) => {
    const list = (await (
      await fetch(`${lumos.urls.api}/notifications?incidentId=${incidentId}&channel=approval`)
    ).json()) as {
      notifications: { links?: { rel: string; href: string }[] }[];
    };
    for (const n of list.notifications) {
      const approve = n.links?.find((l) => l.rel === 'approve');
      if (!approve) continue;
      const response = await fetch(approve.href, { method: 'POST' });
      current.apiRequests += 1;
      current.lambdaInvocations += 1;
      if (response.status === 200) return;
    }
  };
  const finish = async (executionArn: string, incidentId: string) => {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      if (described.status !== 'RUNNING') break;
      if (Date.now() > deadline) throw new Error(`execution ${executionArn} did not finish`);
      await approvePending(incidentId);
      await new Promise((r) => setTimeout(r, 500));
    }
    const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
    const entered = new Map<string, number>();
    for (const event of history.events ?? []) {
      if (event.type?.endsWith('StateEntered')) {
        current.stateTransitions += 1;
        const name = event.stateEnteredEventDetails?.name ?? '';
        if (tasks.has(name)) entered.set(name, event.timestamp!.getTime());
      }
      if (event.type === 'TaskStateExited') {
        const name = event.stateExitedEventDetails?.name ?? '';
        const task = tasks.get(name);
        const start = entered.get(name);
        if (!task || start === undefined) continue;
        // A callback task's Lambda only sends the request; the wait is not Lambda time.
        const seconds = task.callback ? 0.3 : (event.timestamp!.getTime() - start) / 1000;
        current.lambdaInvocations += 1;
        current.lambdaGbSeconds += seconds * ((memory.get(task.functionId) ?? 512) / 1024);
      }
    }
    const incident = (await (await fetch(`${lumos.urls.api}/incidents/${incidentId}`)).json()) as {
      knowledge?: { query?: string };
    };
    current.embeddingTokens += Math.ceil((incident.knowledge?.query?.length ?? 0) / 4);
  };

  const titles = [
    ['Inventory service not responding', 'inventory-svc'],
    ['Checkout payments failing for some customers', 'checkout-api'],
    ['VPN disconnects every few minutes', 'corp-vpn'],
    ['Laptop cannot connect to Wi-Fi after update', 'laptop-fleet'],
    ['Database disk almost full on payments-db', 'payments-db'],
    ['Password reset e-mail not arriving', ''],
  ];
  interface AlarmEvent {
    id: string;
    time: string;
    resources: string[];
    detail: {
      alarmName: string;
      state: { timestamp: string };
      configuration: { metrics: { metricStat: { metric: { dimensions: Record<string, string> } } }[] };
    };
  }
  const alarm = readJson<AlarmEvent>(join(ROOT, 'test', 'fixtures', 'cloudwatch', 'alarm.json'));
  const alarmEvent = (i: number, refire = 0) => {
    const event = structuredClone(alarm);
    const at = new Date(Date.now() + refire * 1000).toISOString();
    event.id = `cost-${i}-${refire}`;
    event.time = at;
    event.detail.alarmName = `cost-measure-alarm-${i}`;
    event.resources = [`arn:aws:cloudwatch:eu-west-1:111122223333:alarm:cost-measure-alarm-${i}`];
    event.detail.state.timestamp = at;
    // A database of its own per sample, so samples do not correlate into one incident by service.
    event.detail.configuration.metrics[0]!.metricStat.metric.dimensions = { DBInstanceIdentifier: `cost-db-${i}` };
    return JSON.stringify(event);
  };

  const perKind = async (kind: 'ticket' | 'alert'): Promise<Usage> => {
    current = emptyUsage();
    for (let i = 0; i < sample; i++) {
      let answer: { incidentId?: string; executionArn?: string };
      if (kind === 'ticket') {
        const [title, service] = titles[i % titles.length]!;
        const body = JSON.stringify({
          result: {
            sys_id: `cost${i}${Date.now()}`,
            number: `INC55${i}`,
            short_description: title,
            description: `${title}. Reported by several users.`,
            impact: String(1 + (i % 3)),
            urgency: String(1 + ((i + 1) % 3)),
            state: '1',
            category: 'application',
            sys_mod_count: '0',
            ...(service ? { cmdb_ci: { value: `ci-${service}`, display_value: service } } : {}),
            caller_id: { value: 'u-cost', display_value: 'casey.caller@example.com' },
          },
        });
        answer = await post('/webhooks/servicenow', body, {
          'X-Lumos-Signature': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
        });
      } else {
        answer = await post('/events', alarmEvent(i), {});
      }
      if (!answer.incidentId || !answer.executionArn)
        throw new Error(`no incident from the sample ${kind} ${i}: ${JSON.stringify(answer)}`);
      await finish(answer.executionArn, answer.incidentId);
      process.stdout.write(`  measured ${kind} ${i + 1}/${sample}\n`);
    }
    return scale(current, 1 / sample);
  };

  try {
    const ticket = await perKind('ticket');
    const alert = await perKind('alert');
    current = emptyUsage();
    // One more signal for an alarm whose incident is open: intake work only.
    await post('/events', alarmEvent(sample + 1), {}).then(async (a) => {
      if (a.executionArn && a.incidentId) await finish(a.executionArn, a.incidentId);
    });
    current = emptyUsage();
    for (let i = 0; i < sample; i++) await post('/events', alarmEvent(sample + 1, i + 1), {});
    const correlatedSignal = scale(current, 1 / sample);
    return {
      measuredAt: new Date().toISOString().slice(0, 10),
      method: 'npm run cost -- --measure (local runtime, deterministic local model, DynamoDB Local consumed capacity)',
      sample: { tickets: sample, alerts: sample, correlatedSignals: sample },
      incident: { ticket, alert },
      correlatedSignal,
    };
  } finally {
    await lumos.stop();
    rmSync(home, { recursive: true, force: true });
  }
}
