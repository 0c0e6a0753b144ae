import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { eventually, type LocalLumos, sign, startLocalLumos } from '../support/local-runtime';
import { CRASH_LOOP, serviceLogsDir } from '../support/service-logs';

/**
 * Crash recovery of the local runtime: the process is SIGKILLed (by the test-only LUMOS_CRASH_AT hook) at seeded
 * points of the workflow, then started again on the same LUMOS_HOME and ports. Each round restarts the runtime with
 * the next crash point and opens one more incident, so every restart both recovers the previous crash and produces
 * the next one; at the end every accepted delivery must have reached a correct terminal state with one execution,
 * one approval request, one run of its runbook and no ITSM write twice.
 */
const CRASH_POINTS = [
  'Triage:enter',
  'Triage:exit',
  'Enrich:enter',
  'Knowledge:exit',
  'Route:enter',
  'Route:exit',
  'FirstResponse:enter',
  'FirstResponse:exit',
  'Fulfil:exit',
  'Plan:enter',
  'Plan:exit',
  'HumanGate:enter',
  // Mid-approval: the request is out and the gate waits; the approval link is used after the restart.
  'HumanGate:exit',
  'ExecutePlan:enter',
  // Mid-runbook: the runbook ran, the step's result was not recorded yet.
  'ExecutePlan:exit',
  'VerifyRecovery:enter',
  'Handoff:enter',
  'Handoff:exit',
  'WriteBack:enter',
  // Mid-write-back: the ticket was written, the step's result was not recorded yet.
  'WriteBack:exit',
  'RecordOutcome:enter',
  'RecordOutcome:exit',
];
// LUMOS_CRASH_POINTS=HumanGate:exit,ExecutePlan:exit,WriteBack:exit runs a chosen subset (when working on one).
const points = process.env.LUMOS_CRASH_POINTS?.split(',') ?? CRASH_POINTS;

const secret = 'e2e-crash-secret';
const requester = 'sam.requester@example.com';
const approver = 'ana.approver@example.com';
const projectRoot = resolve(__dirname, '..', '..');

// biome-ignore lint/suspicious/noExplicitAny: assertions walk the incident's JSON freely
type IncidentJson = Record<string, any>;

interface Notification {
  channel: string;
  recipient: string;
  incidentId?: string;
  links?: { rel: string; href: string; method?: string }[];
  data?: Record<string, unknown>;
}

/** One service per incident, unhealthy until its admin endpoint restarts it, so runbook runs can be counted. */
function startTargets(): Promise<{ server: Server; url: string; restarts: Map<string, number> }> {
  const restarts = new Map<string, number>();
  const server = createServer((req, res) => {
    const [, , name = '', ...rest] = (req.url ?? '').split('/');
    const path = `/${rest.join('/')}`;
    req.resume();
    if (req.method === 'GET' && path === '/health') {
      const healthy = (restarts.get(name) ?? 0) > 0;
      res.writeHead(healthy ? 200 : 503).end(healthy ? 'ok' : 'down');
    } else if (req.method === 'POST' && path === '/admin/restart') {
      restarts.set(name, (restarts.get(name) ?? 0) + 1);
      res.writeHead(202).end('{"restarting":true}');
    } else {
      res.writeHead(404).end();
    }
  });
  return new Promise((done) =>
    server.listen(0, '127.0.0.1', () =>
      done({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, restarts }),
    ),
  );
}

/** A small knowledge base (one folder of the real one): the index is rebuilt at every start, so keep starts quick. */
function smallKnowledgeBase(): string {
  const folder = mkdtempSync(join(tmpdir(), 'lumos-crash-kb-'));
  const source = join(projectRoot, 'knowledge', 'application');
  mkdirSync(join(folder, 'application'));
  for (const file of readdirSync(source).slice(0, 3)) cpSync(join(source, file), join(folder, 'application', file));
  return folder;
}

// Each point costs a restart and most of a workflow (minutes on a busy two-core machine), so the suite runs only
// when asked: `npm run crash` (LUMOS_CRASH_TEST=1) or with LUMOS_CRASH_POINTS.
const describeCrashSuite =
  process.env.LUMOS_CRASH_TEST === '1' || process.env.LUMOS_CRASH_POINTS ? describe : describe.skip;

describeCrashSuite('crash recovery of the local runtime', () => {
  let lumos: LocalLumos;
  let targets: Awaited<ReturnType<typeof startTargets>>;
  let kb: string;
  const opened: { body: string; incidentId?: string; service: string; crashAt: string }[] = [];
  const approved = new Set<string>();
  const logDirs: string[] = [];
  /**
   * Every service crash-loops in its logs (the diagnosis, and so the restart runbook, rests on them), stamped up to
   * now: written afresh for each start, so a round opened late in the suite still finds recent evidence.
   */
  const freshLogs = (): string => {
    const dir = serviceLogsDir(Object.fromEntries(points.map((_, i) => [`crash-svc-${i}`, CRASH_LOOP])));
    logDirs.push(dir);
    return dir;
  };

  beforeAll(async () => {
    targets = await startTargets();
    kb = smallKnowledgeBase();
    const services = Object.fromEntries(
      points.map((_, i) => [
        `crash-svc-${i}`,
        { domain: 'commerce', environment: 'production', targets: { http: `${targets.url}/svc/crash-svc-${i}` } },
      ]),
    );
    const tier = {
      approverGroup: 'Crash Approvers',
      timeoutSeconds: 900,
      reminderBeforeSeconds: 60,
      heartbeatSeconds: 120,
      fallback: { action: 'escalate' },
    };
    lumos = await startLocalLumos(
      {
        LUMOS_WEBHOOK_SECRET_SERVICENOW: secret,
        LUMOS_KB_DIR: kb,
        LUMOS_GOVERNANCE_OVERRIDES: JSON.stringify({
          tiers: { medium: tier, high: tier },
          approverGroups: { 'Crash Approvers': [requester, approver] },
          services,
          freezes: [],
        }),
        LUMOS_TIMER_POLL_MS: '300',
        LUMOS_APPROVAL_LINK_KEY: 'e2e-crash-link-key',
        LUMOS_ALLOW_CRASH_HOOK: '1',
        LUMOS_LOGS_DIR: freshLogs(),
      },
      180_000,
    );
  }, 200_000);

  afterAll(async () => {
    await lumos?.stop();
    targets?.server.close();
    rmSync(kb, { recursive: true, force: true });
    for (const dir of logDirs) rmSync(dir, { recursive: true, force: true });
  });

  const api = (path: string, init?: RequestInit) => fetch(`${lumos.api}${path}`, init);
  const incident = async (id: string): Promise<IncidentJson> =>
    (await (await api(`/incidents/${id}`)).json()) as IncidentJson;
  const outbox = async (): Promise<Notification[]> =>
    ((await (await api('/notifications')).json()) as { notifications: Notification[] }).notifications;

  /** The ServiceNow record of the i-th incident, as its webhook body. */
  function ticket(i: number): string {
    return JSON.stringify({
      result: {
        sys_id: `crash${i}-${Date.now()}`,
        number: `INC77${String(i).padStart(3, '0')}`,
        short_description: 'Inventory service not responding',
        description: 'Inventory service not responding. Reported by the monitoring team; customers are affected.',
        impact: '2',
        urgency: '2',
        state: '1',
        category: 'application',
        sys_mod_count: '0',
        cmdb_ci: { value: `ci-crash-svc-${i}`, display_value: `crash-svc-${i}` },
        caller_id: { value: 'u-sam', display_value: requester },
      },
    });
  }

  /**
   * Delivers a ticket and returns its incident id, or undefined when the process crashed before it answered: the
   * workflow starts before intake answers, so an early crash point can kill the process with the answer unsent.
   * The sender then has no answer and delivers again after the restart, as ServiceNow retries.
   */
  async function deliver(body: string, point?: string): Promise<{ incidentId: string; status: string } | undefined> {
    let response: Response;
    try {
      response = await api('/webhooks/servicenow', {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', 'X-Lumos-Signature': sign(secret, body) },
      });
    } catch (error) {
      const died = await Promise.race([
        lumos.exited().then(() => true),
        new Promise<boolean>((r) => setTimeout(() => r(false), 10_000)),
      ]);
      if (point && died && lumos.output().includes(`crashing at ${point}`)) return undefined;
      throw new Error(`delivery failed without a crash: ${String(error)}\n${lumos.output().slice(-3000)}`);
    }
    expect(response.status).toBe(202);
    return (await response.json()) as { incidentId: string; status: string };
  }

  /**
   * Delivers again every ticket whose first delivery got no answer. Its incident and workflow were stored before the
   * crash, and the restart released the dead attempt's claim: the retry finishes that attempt and names the incident
   * as created (the sender never heard of it), with no second incident or execution (checked at the end).
   */
  async function redeliverUnanswered(): Promise<void> {
    for (const delivery of opened) {
      if (delivery.incidentId) continue;
      const answer = await deliver(delivery.body);
      expect({ crashAt: delivery.crashAt, status: answer?.status, incidentId: answer?.incidentId }).toEqual({
        crashAt: delivery.crashAt,
        status: 'created',
        incidentId: expect.stringMatching(/^inc-/),
      });
      delivery.incidentId = answer!.incidentId;
    }
  }

  /** Approves, through the approver's link, every incident whose approval request is out and not yet approved. */
  async function approvePending(): Promise<void> {
    for (const message of await outbox()) {
      if (message.channel !== 'approval' || message.recipient !== approver || !message.incidentId) continue;
      if (approved.has(message.incidentId)) continue;
      const link = message.links?.find((l) => l.rel === 'approve');
      if (!link) continue;
      const answer = await fetch(link.href, { method: link.method });
      if (answer.status === 200) approved.add(message.incidentId);
    }
  }

  /** Drives the workflows (approving as they ask) until the process dies at its crash point. */
  async function untilCrash(point: string): Promise<void> {
    let dead = false;
    void lumos.exited().then(() => {
      dead = true;
    });
    const deadline = Date.now() + 240_000;
    while (!dead) {
      if (Date.now() > deadline) {
        const last = opened.at(-1)?.incidentId;
        const found = last ? await incident(last).catch(() => undefined) : undefined;
        const where = found ? `${found.status}; ${JSON.stringify((found.timeline ?? []).slice(-6))}` : 'unknown';
        throw new Error(`the runtime did not crash at ${point} (incident: ${where}):\n${lumos.output().slice(-3000)}`);
      }
      await approvePending().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(lumos.output()).toContain(`crashing at ${point}`);
  }

  it(`recovers from ${points.length} crashes at seeded points: every delivery ends right, once`, async () => {
    // The first runtime was started without a crash point: stop it as a crash would, then go round by round.
    await lumos.kill();
    for (const [i, point] of points.entries()) {
      // `:new`: only this round's delivery crashes there; the workflows of earlier rounds resume past the point.
      await lumos.restart({ LUMOS_CRASH_AT: `${point}:new`, LUMOS_LOGS_DIR: freshLogs() }, 180_000);
      await redeliverUnanswered();
      const body = ticket(i);
      const answer = await deliver(body, point);
      opened.push({ body, incidentId: answer?.incidentId, service: `crash-svc-${i}`, crashAt: point });
      await untilCrash(point);
    }
    await lumos.restart({ LUMOS_CRASH_AT: '', LUMOS_LOGS_DIR: freshLogs() }, 180_000);
    await redeliverUnanswered();

    const executionStatus = async (executionArn: string): Promise<string> => {
      const described = await fetch(lumos.sfnEndpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AWSStepFunctions.DescribeExecution' },
        body: JSON.stringify({ executionArn }),
      });
      return ((await described.json()) as { status: string }).status;
    };
    // Every incident and its workflow finish: the approval links still work after the restarts.
    const finished = await eventually(
      async () => {
        await approvePending();
        const all = await Promise.all(opened.map(({ incidentId }) => incident(incidentId!)));
        if (!all.every((found) => found.outcome && ['resolved', 'needs_human'].includes(found.status))) return;
        const statuses = await Promise.all(all.map((found) => executionStatus(found.executionArn)));
        return statuses.includes('RUNNING') ? undefined : all;
      },
      300_000,
      'every incident to finish',
    ).catch(async (error: unknown) => {
      const states = await Promise.all(
        opened.map(async ({ incidentId, crashAt }) => {
          const found = await incident(incidentId!).catch(() => undefined);
          const last = (found?.timeline ?? []).slice(-3).map((e: { type: string; summary: string }) => e.summary);
          return `${crashAt}: ${found?.status} ${found?.outcome ? 'with' : 'without'} outcome; ${last.join(' | ')}`;
        }),
      );
      throw new Error(`${String(error)}\n${states.join('\n')}\n${lumos.output().slice(-3000)}`);
    });

    const notifications = await outbox();
    const itsmKeys = notifications
      .filter((n) => n.channel === 'itsm' && typeof n.data?.idempotencyKey === 'string')
      .map((n) => String(n.data?.idempotencyKey));
    for (const [i, found] of finished.entries()) {
      const { service, crashAt } = opened[i]!;
      const incidentId = opened[i]!.incidentId!;
      const context = `incident ${incidentId} (crash at ${crashAt})`;
      // Agent-mitigated: approved, the runbook ran exactly once, the recovery verified.
      expect({ context, status: found.status }).toEqual({ context, status: 'resolved' });
      expect({ context, restarts: targets.restarts.get(service) }).toEqual({ context, restarts: 1 });
      // One execution, and it succeeded.
      expect({ context, status: await executionStatus(found.executionArn) }).toEqual({
        context,
        status: 'SUCCEEDED',
      });
      // One approval request per approver, one approval recorded.
      const requests = notifications.filter(
        (n) => n.incidentId === incidentId && n.channel === 'approval' && n.data?.kind === 'request',
      );
      expect({ context, requests: requests.map((n) => n.recipient).sort() }).toEqual({
        context,
        requests: [approver, requester].sort(),
      });
      const timeline = found.timeline as { type: string; data?: { purpose?: string } }[];
      expect({ context, requested: timeline.filter((e) => e.type === 'approval.requested').length }).toEqual({
        context,
        requested: 1,
      });
      // Each ITSM write (by purpose) once on the incident.
      const writes = timeline.filter((e) => e.type === 'itsm.write').map((e) => e.data?.purpose);
      expect({ context, writes: writes.length }).toEqual({ context, writes: new Set(writes).size });
    }
    // And once on the ticket: no idempotency key was recorded twice in the ITSM outbox.
    expect(itsmKeys.length).toBe(new Set(itsmKeys).size);
    // One execution per delivery, none left running.
    const listed = await fetch(lumos.sfnEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AWSStepFunctions.ListExecutions' },
      body: JSON.stringify({
        stateMachineArn: finished[0]!.executionArn.replace(':execution:', ':stateMachine:').replace(/:[^:]+$/, ''),
        maxResults: 1000,
      }),
    });
    const executions = ((await listed.json()) as { executions: { status: string }[] }).executions;
    expect(executions).toHaveLength(points.length);
    expect(executions.every((e) => e.status === 'SUCCEEDED')).toBe(true);
    // And one incident per delivery: no retry after a crash opened a second one.
    const incidents = (await (await api('/incidents?limit=500')).json()) as { incidents: { incidentId: string }[] };
    expect(incidents.incidents.map((i) => i.incidentId).sort()).toEqual(opened.map((o) => o.incidentId).sort());
  }, 3_600_000);
});
