import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { dependentsOf } from '../estate/definition';
import { type RunningEstate, startEstate } from '../estate/estate';
import { type ItsmContractServer, startItsmContractServer } from './itsm-contract-server';
import { type LumosProcess, startLumosProcess } from './lumos-process';
import type { Scenario } from './scenario';
import {
  type DrillSummary,
  type Loose,
  type ScenarioEvidence,
  type ScenarioResult,
  scoreScenario,
  summarize,
} from './scorecard';
import { ticketWebhook } from './tickets';

/**
 * The drill harness: a real local Lumos (child process, own LUMOS_HOME and ports), the estate and the ITSM contract
 * server, scenarios run side by side when they touch disjoint parts of the estate, the operator played as a script
 * through the links in `GET /notifications`, and the evidence the scorecard needs collected at the end.
 */

type Log = (message: string) => void;

/**
 * fetch, retried on connection errors (a busy single-process runtime sometimes resets a connection). Webhook
 * deliveries are idempotent by delivery id and reads are safe; a retried decision at worst answers 409.
 */
async function fetchRetrying(url: string, init?: RequestInit, attempts = 4): Promise<Response> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
    } catch (error) {
      if (attempt >= attempts) throw new Error(`${init?.method ?? 'GET'} ${url}: ${(error as Error).message}`);
      await new Promise((r) => setTimeout(r, 500 * attempt));
    }
  }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TABLE_NAME = 'lumos-incidents';

/** Everything a drill runs against. */
export interface DrillEnvironment {
  estate: RunningEstate;
  lumos: LumosProcess;
  itsm: ItsmContractServer;
  secret: string;
  stop(): Promise<void>;
}

/** Options of {@link startDrillEnvironment}. */
export interface DrillEnvironmentOptions {
  log?: Log;
  /** Extra environment for Lumos (after the estate's). */
  lumosEnv?: Record<string, string>;
  /** Monitor period. @default 2000 */
  monitorIntervalMs?: number;
}

/** Starts the contract server, the estate and a Lumos that reads the estate's topology, logs, teams and governance. */
export async function startDrillEnvironment(options: DrillEnvironmentOptions = {}): Promise<DrillEnvironment> {
  const log = options.log ?? (() => undefined);
  const work = mkdtempSync(join(tmpdir(), 'lumos-drill-'));
  const secret = 'local-dev-secret';
  const itsm = await startItsmContractServer({ autoCreate: true });
  let estate: RunningEstate | undefined;
  try {
    estate = await startEstate({
      stateDir: join(work, 'estate'),
      monitorIntervalMs: options.monitorIntervalMs ?? 2000,
      log: (message) => log(`[estate] ${message}`),
    });
    // The ITSM tools know the estate's teams as groups, so write-backs can assign them.
    for (const [i, team] of Object.keys(estate.definition.teams).entries()) {
      if (!itsm.servicenow.groups.some((g) => g.name === team))
        itsm.servicenow.groups.push({ sys_id: `d711${String(i).padStart(28, '0')}`, name: team });
      if (!itsm.zendesk.groups.some((g) => g.name === team))
        itsm.zendesk.groups.push({ id: 360002000 + i, name: team });
    }
    const lumos = await startLumosProcess(join(work, 'lumos'), {
      ...estate.lumosEnvironment(),
      LUMOS_ITSM_SERVICENOW_URL: itsm.url,
      LUMOS_ITSM_JIRA_URL: itsm.url,
      LUMOS_ITSM_ZENDESK_URL: itsm.url,
      LUMOS_WEBHOOK_SECRET: secret,
      LUMOS_TIMER_POLL_MS: '500',
      // Scenarios on one service follow each other within minutes; each should open its own incident.
      LUMOS_CORRELATION_WINDOW_SECONDS: '120',
      ...options.lumosEnv,
    });
    estate.attachLumos({ url: lumos.api, alertmanagerSecret: secret });
    const running = estate;
    return {
      estate: running,
      lumos,
      itsm,
      secret,
      async stop() {
        await running.stop();
        await lumos.stop();
        await itsm.close();
        rmSync(work, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await estate?.stop();
    await itsm.close();
    rmSync(work, { recursive: true, force: true });
    throw error;
  }
}

/** The estate services a scenario may disturb: faulted services, everything depending on them, the ones it names. */
export function footprintOf(estate: RunningEstate['definition'], scenario: Scenario): string[] {
  const services = new Set<string>();
  for (const fault of scenario.faults) {
    services.add(fault.service);
    for (const dependent of dependentsOf(estate, fault.service)) services.add(dependent);
  }
  const checked = scenario.expect.estate.flatMap((check) => ('service' in check ? [check.service] : []));
  for (const name of [
    scenario.expect.service,
    scenario.expect.rootCause?.component,
    ...scenario.tickets.map((t) => t.ci),
    ...checked,
  ])
    if (name && estate.services[name]) services.add(name);
  return [...services];
}

let ticketSequence = 0;

/** Runs one scenario against a running environment and returns what the scorecard needs. */
export async function runScenario(
  env: DrillEnvironment,
  scenario: Scenario,
  log: Log = () => undefined,
): Promise<ScenarioEvidence> {
  const { estate, lumos } = env;
  const footprint = footprintOf(estate.definition, scenario);
  const faulted = footprint.filter((s) => estate.health(s).healthy === false);
  const errors: string[] = [];
  if (faulted.length > 0) errors.push(`estate not healthy at start: ${faulted.join(', ')}`);
  const before = Object.fromEntries(footprint.map((s) => [s, estate.state(s)]));
  const startedAt = Date.now();
  const ticketIncidents: (string | undefined)[] = [];
  const say = (message: string) => log(`[${scenario.name}] ${message}`);

  const post = async (path: string, body: string, headers: Record<string, string>) => {
    const response = await fetchRetrying(`${lumos.api}${path}`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...headers },
    });
    return { status: response.status, body: (await response.json().catch(() => ({}))) as Loose };
  };

  // Faults and tickets, each at its offset.
  const deliveries = [
    ...scenario.faults.map(async (fault) => {
      await sleep(fault.at * 1000);
      estate.inject(fault.service, fault.fault);
      say(`fault ${fault.fault.kind} on ${fault.service}`);
    }),
    ...scenario.tickets.map(async (ticket, index) => {
      await sleep(ticket.at * 1000);
      ticketSequence += 1;
      const ids =
        ticket.source === 'servicenow'
          ? { id: randomBytes(16).toString('hex'), number: `INC${String(20_000 + ticketSequence).padStart(7, '0')}` }
          : ticket.source === 'jira'
            ? { id: String(30_000 + ticketSequence), number: `SHOP-${100 + ticketSequence}` }
            : { id: String(50_000 + ticketSequence), number: String(50_000 + ticketSequence) };
      const delivery = ticketWebhook(ticket, ids, env.secret, new Date());
      const answer = await post(delivery.path, delivery.body, delivery.headers);
      if (answer.status >= 300 || !answer.body.incidentId) {
        errors.push(`ticket '${ticket.title}' answered ${answer.status}: ${JSON.stringify(answer.body).slice(0, 200)}`);
        return;
      }
      ticketIncidents[index] = String(answer.body.incidentId);
      say(`ticket ${ids.number} -> ${answer.body.incidentId} (${answer.body.status})`);
      for (const [i, comment] of ticket.comments.entries()) {
        await sleep(comment.after * 1000);
        const update = ticketWebhook(ticket, ids, env.secret, new Date(), { modCount: i + 1, comment: comment.text });
        const answered = await post(update.path, update.body, update.headers);
        if (answered.status >= 300) errors.push(`comment on ${ids.number} answered ${answered.status}`);
      }
    }),
  ];
  let delivered = false;
  const allDelivered = Promise.all(deliveries)
    .catch((error: unknown) => {
      errors.push(`delivery failed: ${(error as Error).message}`);
    })
    .finally(() => {
      delivered = true;
    });

  // Incidents that existed before this scenario: a new alert correlated into one of them is not this scenario's.
  const older = new Set(
    estate
      .sentAlerts()
      .flatMap((alert) => {
        const answer = alert.response as Loose | undefined;
        return [answer?.incidentId, ...(answer?.incidents ?? []).map((i: Loose) => i.incidentId)];
      })
      .filter((id): id is string => typeof id === 'string'),
  );
  const alarmIncidents = () => {
    const found: { incidentId: string; service: string }[] = [];
    for (const alert of estate.sentAlerts()) {
      if (Date.parse(alert.at) < startedAt || alert.status !== 'firing' || !footprint.includes(alert.service)) continue;
      const answer = alert.response as Loose | undefined;
      for (const id of [answer?.incidentId, ...(answer?.incidents ?? []).map((i: Loose) => i.incidentId)])
        if (typeof id === 'string' && !older.has(id) && !found.some((f) => f.incidentId === id))
          found.push({ incidentId: id, service: alert.service });
    }
    return found;
  };
  const incidentIds = () => [
    ...new Set([...ticketIncidents.filter((id): id is string => !!id), ...alarmIncidents().map((a) => a.incidentId)]),
  ];
  const fetchIncident = async (id: string): Promise<Loose | undefined> => {
    const response = await fetchRetrying(`${lumos.api}/incidents/${encodeURIComponent(id)}`);
    return response.status === 200 ? ((await response.json()) as Loose) : undefined;
  };

  // Faults that end by themselves (flapping) are watched until they have.
  const naturalEnd =
    Math.max(
      0,
      ...scenario.faults.map((f) => f.at + (f.fault.kind === 'flapping' ? f.fault.durationSeconds : 0)),
      ...scenario.tickets.map((t) => t.at + t.comments.reduce((n, c) => n + c.after, 0)),
    ) * 1000;
  const deadline = startedAt + scenario.timeoutSeconds * 1000;
  const decisions: ScenarioEvidence['operator']['decisions'] = [];
  const seenRequests = new Map<string, number>();
  const handled = new Set<string>();
  let healthySince: number | undefined;
  let wasUnhealthy = false;
  let timedOut = false;
  let failures = 0;
  for (;;) {
    await sleep(1000);
    const now = Date.now();
    const unhealthy = footprint.filter((s) => !estate.health(s).healthy);
    if (unhealthy.length > 0) wasUnhealthy = true;
    // Healthy means the services and the scenario's estate checks (a request counts once it is really done).
    const checksOk = scenario.expect.estate.every((check) => estateCheck(estate, check, before, startedAt).ok);
    healthySince = unhealthy.length === 0 && checksOk ? (healthySince ?? now) : undefined;

    const ids = incidentIds();
    // The operator: every approval request for the scenario's incidents, decided by the script's next step.
    // A runtime too busy to answer now is asked again next round; only a persistent failure is an error.
    try {
      for (const id of ids) {
        const response = await fetchRetrying(
          `${lumos.api}/notifications?channel=approval&incidentId=${encodeURIComponent(id)}`,
        );
        const { notifications } = (await response.json()) as { notifications: Loose[] };
        const requests = new Map<string, Loose[]>();
        for (const n of notifications) {
          if (!['request', 'reassigned'].includes(n.data?.kind)) continue;
          const key = `${n.data.approvalId}#${n.data.stage ?? 0}`;
          requests.set(key, [...(requests.get(key) ?? []), n]);
        }
        for (const [key, messages] of requests) {
          if (handled.has(key)) continue;
          const step = scenario.operator[Math.min(handled.size, scenario.operator.length - 1)] ?? {
            decide: 'ignore',
            after: 0,
            comment: '',
          };
          const firstSeen = seenRequests.get(key) ?? now;
          seenRequests.set(key, firstSeen);
          if (now - firstSeen < step.after * 1000) continue;
          handled.add(key);
          if (step.decide === 'ignore') {
            say(`approval ${key}: letting the deadline pass`);
            continue;
          }
          // One approver per message (each has a personal link); high risk may need two.
          for (const message of messages) {
            const link = (message.links as Loose[] | undefined)?.find((l) => l.rel === step.decide);
            if (!link) continue;
            const answer = await fetchRetrying(link.href, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ comment: step.comment }),
            });
            const body = (await answer.json().catch(() => ({}))) as Loose;
            decisions.push({
              at: Date.now(),
              decision: step.decide,
              approvalId: String(message.data.approvalId),
              status: answer.status,
            });
            say(`approval ${key}: ${step.decide} by ${message.recipient} -> ${answer.status} ${body.status ?? ''}`);
            if (step.decide === 'reject' || answer.status >= 400 || body.status !== 'pending') break;
          }
        }
      }
      failures = 0;
    } catch (error) {
      failures += 1;
      if (failures >= 10) {
        errors.push(`operator: ${(error as Error).message}`);
        break;
      }
      continue;
    }

    if (now > deadline) {
      timedOut = true;
      break;
    }
    if (!delivered || now - startedAt < naturalEnd + 5000) continue;
    if (ids.length === 0) {
      // Nothing opened an incident (yet): alarms take a few monitor cycles; give up after a minute.
      if (now - startedAt > naturalEnd + 60_000) break;
      continue;
    }
    const incidents = await Promise.all(ids.map(fetchIncident)).catch(() => undefined);
    if (!incidents) continue;
    // Finished: the workflow recorded its end, or its execution is no longer running (failed, timed out, aborted:
    // the incident is then flagged for a person and nothing more will happen by itself).
    const states = await Promise.all(
      incidents.map(async (i) =>
        i?.timeline?.some((e: Loose) => e.type === 'workflow.completed') ? 'COMPLETED' : executionStatus(lumos, i),
      ),
    ).catch(() => ['RUNNING']);
    const finished = states.every((state) => state !== 'RUNNING');
    if (finished) {
      // Let the monitor see the end state and send what it sends (resolved alarms) before scoring.
      await sleep(6000);
      break;
    }
  }
  await allDelivered;

  const unhealthyAtEnd = footprint
    .map((service) => ({ service, health: estate.health(service) }))
    .filter((s) => !s.health.healthy)
    .map((s) => ({ service: s.service, reason: s.health.reason ?? 'unhealthy' }));
  if (unhealthyAtEnd.length > 0) healthySince = undefined;
  const checks = scenario.expect.estate.map((check) => estateCheck(estate, check, before, startedAt));
  const fixable = scenario.expect.rootCause?.component ?? scenario.expect.service;
  const changed = footprint.filter(
    (service) => service !== fixable && changedSince(before[service]!, estate.state(service)),
  );
  const actions = estate
    .adminActions()
    .filter((a) => Date.parse(a.at) >= startedAt && footprint.includes(a.service))
    .map(({ at, service, action, changed }) => ({ at, service, action, changed }));
  const ids = incidentIds();
  const incidents = (await Promise.all(ids.map(fetchIncident))).filter((i): i is Loose => !!i);
  const primaryKind = scenario.expect.incident ?? (scenario.tickets.length > 0 ? 'ticket' : 'alarm');
  const alarms = alarmIncidents();
  const primaryId =
    primaryKind === 'ticket'
      ? ticketIncidents[0]
      : (alarms.find((a) => a.service === scenario.expect.service) ?? alarms[0])?.incidentId;

  const [tokens, stateTransitions] = await Promise.all([
    sumTokens(lumos, ids).catch((error: unknown) => {
      errors.push(`tokens: ${(error as Error).message}`);
      return 0;
    }),
    countTransitions(lumos, incidents).catch((error: unknown) => {
      errors.push(`state transitions: ${(error as Error).message}`);
      return 0;
    }),
  ]);

  // Back to the definition's state, and wait until the monitor has resolved what it fired, before the next
  // scenario may use these services.
  estate.reset(footprint);
  const settleUntil = Date.now() + 20_000;
  while (Date.now() < settleUntil && footprint.some((s) => !estate.health(s).healthy)) await sleep(500);
  // The monitor resolves what it fired, so the next scenario's alerts open new incidents rather than joining these.
  const resolveUntil = Date.now() + 30_000;
  while (Date.now() < resolveUntil && estate.firingServices().some((s) => footprint.includes(s))) await sleep(500);
  await sleep(2000);

  return {
    scenario,
    startedAt,
    incidents,
    primaryId,
    estate: {
      unhealthy: unhealthyAtEnd,
      checks,
      healthySince,
      selfHealing: wasUnhealthy && scenario.faults.some((f) => f.fault.kind === 'flapping'),
      changed,
      actions,
    },
    operator: { decisions },
    tokens,
    stateTransitions,
    harnessErrors: errors,
    timedOut,
  };
}

function estateCheck(
  estate: RunningEstate,
  check: Scenario['expect']['estate'][number],
  before: Record<string, ReturnType<RunningEstate['state']>>,
  startedAt: number,
): { check: string; ok: boolean; detail: string } {
  switch (check.check) {
    case 'password-reset': {
      const user = estate.directory.view(check.user);
      const ok = !!user?.passwordResetAt && Date.parse(user.passwordResetAt) >= startedAt;
      return { check: check.check, ok, detail: `${check.user} password ${ok ? 'reset' : 'not reset'}` };
    }
    case 'unlocked': {
      const ok = estate.directory.view(check.user)?.locked === false;
      return { check: check.check, ok, detail: `${check.user} ${ok ? 'unlocked' : 'still locked'}` };
    }
    case 'in-group':
    case 'not-in-group': {
      const member = !!estate.directory.view(check.user)?.groups.includes(check.group);
      const ok = check.check === 'in-group' ? member : !member;
      return { check: check.check, ok, detail: `${check.user} ${member ? 'in' : 'not in'} ${check.group}` };
    }
    case 'software': {
      const ok = !!estate.fleet.view(check.device)?.software.some((s) => s.package === check.package);
      return {
        check: check.check,
        ok,
        detail: `${check.package} ${ok ? 'installed' : 'not installed'} on ${check.device}`,
      };
    }
    case 'healthy': {
      const health = estate.health(check.service);
      return {
        check: check.check,
        ok: health.healthy,
        detail: `${check.service} ${health.healthy ? 'healthy' : health.reason}`,
      };
    }
    case 'certificate-valid': {
      const days = (Date.parse(estate.state(check.service).certificate.notAfter) - Date.now()) / 86_400_000;
      const ok = days >= check.minDays;
      return { check: check.check, ok, detail: `${check.service} certificate valid ${Math.floor(days)} more days` };
    }
    case 'unchanged': {
      const was = before[check.service] ?? estate.state(check.service);
      const now = estate.state(check.service);
      const ok = now.version === was.version && now.restarts === was.restarts && now.replicas === was.replicas;
      return {
        check: check.check,
        ok,
        detail: `${check.service} ${ok ? 'untouched' : `changed (version ${was.version}->${now.version}, restarts ${was.restarts}->${now.restarts}, replicas ${was.replicas}->${now.replicas})`}`,
      };
    }
  }
}

/** Whether an admin action changed a service (version, restarts, replicas, configuration or feature flags). */
function changedSince(was: ReturnType<RunningEstate['state']>, now: ReturnType<RunningEstate['state']>): boolean {
  return (
    was.version !== now.version ||
    was.restarts !== now.restarts ||
    was.replicas !== now.replicas ||
    JSON.stringify(was.config) !== JSON.stringify(now.config) ||
    JSON.stringify(was.featureFlags) !== JSON.stringify(now.featureFlags)
  );
}

const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };

/** The Step Functions status of an incident's execution (RUNNING while it has none yet). */
async function executionStatus(lumos: LumosProcess, incident: Loose | undefined): Promise<string> {
  if (!incident?.executionArn) return 'RUNNING';
  const client = new SFNClient({ endpoint: lumos.sfnEndpoint, region: 'us-east-1', credentials: localCredentials });
  try {
    const described = await client.send(new DescribeExecutionCommand({ executionArn: incident.executionArn }));
    return described.status ?? 'RUNNING';
  } finally {
    client.destroy();
  }
}

/** Model tokens charged to each incident (the token ledger item in the incident table). */
async function sumTokens(lumos: LumosProcess, ids: readonly string[]): Promise<number> {
  const client = new DynamoDBClient({
    endpoint: lumos.dynamodbEndpoint,
    region: 'us-east-1',
    credentials: localCredentials,
  });
  let total = 0;
  for (const id of ids) {
    const item = await client.send(
      new GetItemCommand({
        TableName: TABLE_NAME,
        Key: { pk: { S: `INCIDENT#${id}` }, sk: { S: 'TOKENS' } },
        ConsistentRead: true,
      }),
    );
    total += Number(item.Item?.totalTokens?.N ?? 0);
  }
  client.destroy();
  return total;
}

/** States entered over the incidents' executions (Step Functions GetExecutionHistory). */
async function countTransitions(lumos: LumosProcess, incidents: readonly Loose[]): Promise<number> {
  const client = new SFNClient({ endpoint: lumos.sfnEndpoint, region: 'us-east-1', credentials: localCredentials });
  let total = 0;
  for (const incident of incidents) {
    if (!incident.executionArn) continue;
    let nextToken: string | undefined;
    do {
      const page = await client.send(
        new GetExecutionHistoryCommand({ executionArn: incident.executionArn, maxResults: 1000, nextToken }),
      );
      total += (page.events ?? []).filter((e) => e.type?.endsWith('StateEntered')).length;
      nextToken = page.nextToken;
    } while (nextToken);
  }
  client.destroy();
  return total;
}

/** Options of {@link runDrill}. */
export interface DrillOptions {
  scenarios: readonly Scenario[];
  /** Scenarios running at once (only ones with disjoint footprints). @default 3 */
  concurrency?: number;
  log?: Log;
  /** A running environment to use (else one is started and stopped). */
  environment?: DrillEnvironment;
  environmentOptions?: DrillEnvironmentOptions;
  /** Also writes each scenario's incidents, as `GET /incidents/{id}` returned them, to `<dumpDir>/<scenario>.json`. */
  dumpDir?: string;
}

/** The results of a drill run. */
export interface DrillRun {
  results: ScenarioResult[];
  summary: DrillSummary;
  startedAt: string;
  durationSeconds: number;
}

/** Runs scenarios (side by side where their footprints are disjoint) and scores each. */
export async function runDrill(options: DrillOptions): Promise<DrillRun> {
  const log = options.log ?? (() => undefined);
  const started = Date.now();
  const env = options.environment ?? (await startDrillEnvironment({ log, ...options.environmentOptions }));
  const results = new Map<string, ScenarioResult>();
  try {
    const queue = [...options.scenarios];
    const running = new Map<string, { footprint: Set<string>; done: Promise<void> }>();
    const limit = options.concurrency ?? 3;
    while (queue.length > 0 || running.size > 0) {
      const index = queue.findIndex((scenario) => {
        if (running.size >= limit) return false;
        const footprint = footprintOf(env.estate.definition, scenario);
        return [...running.values()].every((r) => footprint.every((s) => !r.footprint.has(s)));
      });
      if (index >= 0) {
        const scenario = queue.splice(index, 1)[0]!;
        log(`[${scenario.name}] start: ${scenario.title}`);
        const done = runScenario(env, scenario, log)
          .then((evidence) => {
            const result = scoreScenario(evidence);
            if (options.dumpDir) {
              mkdirSync(options.dumpDir, { recursive: true });
              writeFileSync(
                join(options.dumpDir, `${scenario.name}.json`),
                `${JSON.stringify(evidence.incidents, null, 2)}\n`,
              );
            }
            results.set(scenario.name, result);
            log(`[${scenario.name}] ${result.passed ? 'PASS' : 'FAIL'}`);
          })
          .catch((error: unknown) => {
            log(`[${scenario.name}] harness error: ${(error as Error).stack ?? error}`);
            results.set(
              scenario.name,
              scoreScenario({
                scenario,
                startedAt: Date.now(),
                incidents: [],
                estate: { unhealthy: [], checks: [], selfHealing: false, changed: [] },
                operator: { decisions: [] },
                tokens: 0,
                stateTransitions: 0,
                harnessErrors: [(error as Error).message],
                timedOut: false,
              }),
            );
          })
          .finally(() => running.delete(scenario.name));
        running.set(scenario.name, { footprint: new Set(footprintOf(env.estate.definition, scenario)), done });
        continue;
      }
      await Promise.race([...running.values()].map((r) => r.done));
    }
  } finally {
    if (!options.environment) await env.stop();
  }
  const ordered = options.scenarios.map((s) => results.get(s.name)!).filter(Boolean);
  return {
    results: ordered,
    summary: summarize(ordered),
    startedAt: new Date(started).toISOString(),
    durationSeconds: Math.round((Date.now() - started) / 1000),
  };
}
