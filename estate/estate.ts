import { appendFileSync, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  type EstateDefinition,
  type EstateServiceDefinition,
  HARD_DEPENDENCY_KINDS,
  loadEstateDefinition,
} from './definition';
import { type AdminAction, FaultSpec } from './faults';
import { governanceOverrides, teamsFile, topologyFile } from './generate';
import { formatLogEvent, type LogEvent, logFileName } from './log-lines';
import { AlertTracker, alertmanagerPayload, cloudWatchEvent, evaluateRules, type Observation } from './monitor';
import { type ChangeEvent, ServiceState, type ServiceStateView } from './service-state';

/** Health of a service at a moment: its own problems first, else a failing hard dependency. */
export interface ServiceHealth {
  healthy: boolean;
  reason?: string;
  errorRate: number;
  p95LatencyMs: number;
  timingOut: boolean;
  /** The service whose own problem causes this (itself or an upstream dependency). */
  rootCause?: string;
}

/** One alert the monitor sent, and what Lumos answered. */
export interface SentAlert {
  at: string;
  service: string;
  rule: string;
  status: 'firing' | 'resolved';
  channel: 'alertmanager' | 'cloudwatch';
  httpStatus?: number;
  response?: unknown;
  error?: string;
}

/** An admin action a service carried out (a runbook step, or a person at the admin API). */
export interface AdminActionRecord {
  at: string;
  service: string;
  action: string;
  /** What it changed, as the service reports it. */
  changed: string;
  by: string;
}

/** Where the monitor sends alerts. */
export interface LumosTarget {
  /** API base URL, e.g. http://127.0.0.1:3000. */
  url: string;
  /** The Alertmanager webhook's Bearer secret. */
  alertmanagerSecret: string;
}

/** Options of {@link startEstate}. */
export interface EstateOptions {
  /** @default estate/estate.yaml */
  definitionFile?: string;
  definition?: EstateDefinition;
  /** Generated files and logs go here. */
  stateDir: string;
  /** First port; services take consecutive ports from it. 0 = any free port per service. @default 0 */
  basePort?: number;
  /** @default 3000 */
  monitorIntervalMs?: number;
  /** Consecutive evaluations before an alert fires or resolves. @default 2 */
  alertForCycles?: number;
  /** Minutes of normal log history written at start, so log analysis has a baseline. @default 20 */
  backfillMinutes?: number;
  /** Governance overrides include the drill settings (short deadlines, open window, freeze). @default true */
  drillGovernance?: boolean;
  log?: (message: string) => void;
}

/** The estate, running. */
export interface RunningEstate {
  definition: EstateDefinition;
  urls: Record<string, string>;
  stateDir: string;
  files: { topology: string; governanceOverrides: string; teams: string; logsDir: string; estate: string };
  /** The environment Lumos needs to see this estate (topology, logs, governance overrides, teams). */
  lumosEnvironment(): Record<string, string>;
  /** Starts sending alerts to a running Lumos. */
  attachLumos(target: LumosTarget): void;
  health(service: string): ServiceHealth;
  state(service: string): ServiceStateView;
  inject(service: string, fault: FaultSpec): string;
  /** Back to the definition's state: faults cleared, versions and config restored (drills, between scenarios). */
  reset(services?: readonly string[]): void;
  sentAlerts(): readonly SentAlert[];
  /** Admin actions carried out so far, oldest first (refused ones are not listed). */
  adminActions(): readonly AdminActionRecord[];
  /** Services with an alert firing (sent and not yet resolved). */
  firingServices(): string[];
  /** Runs one monitor evaluation now (the loop also runs on its own). */
  evaluate(): Promise<void>;
  /** Catalogue data, for drill checks. */
  directory: IdentityDirectory;
  fleet: DeviceFleet;
  stop(): Promise<void>;
}

/** identity-directory's accounts and groups. */
export class IdentityDirectory {
  readonly users = new Map<string, { locked: boolean; passwordResetAt: string | null; groups: Set<string> }>();

  constructor(definition?: EstateServiceDefinition) {
    for (const [user, data] of Object.entries(definition?.users ?? {}))
      this.users.set(user, { locked: data.locked, passwordResetAt: null, groups: new Set(data.groups) });
  }

  view(user: string) {
    const found = this.users.get(user);
    if (!found) return undefined;
    return { user, locked: found.locked, passwordResetAt: found.passwordResetAt, groups: [...found.groups].sort() };
  }
}

/** device-fleet's devices and approved software. */
export class DeviceFleet {
  readonly devices = new Map<string, { owner: string; software: Map<string, string> }>();
  readonly approved: string[];

  constructor(definition?: EstateServiceDefinition) {
    this.approved = definition?.approvedSoftware ?? [];
    for (const [device, data] of Object.entries(definition?.devices ?? {}))
      this.devices.set(device, { owner: data.owner, software: new Map(data.software.map((p) => [p, 'latest'])) });
  }

  view(device: string) {
    const found = this.devices.get(device);
    if (!found) return undefined;
    return {
      device,
      owner: found.owner,
      software: [...found.software.entries()].map(([pkg, version]) => ({ package: pkg, version })),
    };
  }

  /** Devices owned by a user. */
  ownedBy(user: string): string[] {
    return [...this.devices.entries()].filter(([, d]) => d.owner === user).map(([id]) => id);
  }
}

const ADMIN_ROUTES: Record<string, AdminAction> = {
  '/admin/restart': 'restart',
  '/admin/rollback': 'rollback',
  '/admin/scale': 'scale',
  '/admin/free-disk': 'free-disk',
  '/admin/rotate-certificate': 'rotate-certificate',
  '/admin/failover': 'failover',
  '/admin/config/rollback': 'config-rollback',
};

const MAX_LOG_BYTES = 4 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > 64 * 1024) reject(new Error('body too large'));
    });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** Small deterministic noise so the metrics and logs look alive without randomness in tests. */
function wobble(seed: number): number {
  return (Math.sin(seed) + 1) / 2;
}

/**
 * Starts the estate: one HTTP server per service on 127.0.0.1, log writers, the generated files Lumos reads, and
 * the monitor (which sends alerts once {@link RunningEstate.attachLumos} gives it a Lumos to send to).
 */
export async function startEstate(options: EstateOptions): Promise<RunningEstate> {
  const definition = options.definition ?? loadEstateDefinition(options.definitionFile);
  const log = options.log ?? (() => undefined);
  const stateDir = options.stateDir;
  const logsDir = join(stateDir, 'logs');
  mkdirSync(logsDir, { recursive: true });
  const files = {
    topology: join(stateDir, 'topology.json'),
    governanceOverrides: join(stateDir, 'governance-overrides.json'),
    teams: join(stateDir, 'teams.json'),
    logsDir,
    estate: join(stateDir, 'estate.json'),
  };
  const liveChanges: ChangeEvent[] = [];
  const writeTopology = () =>
    writeFileSync(files.topology, `${JSON.stringify(topologyFile(definition, { live: liveChanges }), null, 2)}\n`);

  const states = new Map<string, ServiceState>();
  for (const [name, service] of Object.entries(definition.services)) {
    states.set(
      name,
      new ServiceState(name, service, Date.now, (change) => {
        liveChanges.push(change);
        writeTopology();
        log(`${change.component}: ${change.kind} ${change.id}: ${change.summary}`);
      }),
    );
  }
  const directory = new IdentityDirectory(Object.values(definition.services).find((s) => s.kind === 'directory'));
  const fleet = new DeviceFleet(Object.values(definition.services).find((s) => s.kind === 'mdm'));

  const health = (name: string, seen: Set<string> = new Set()): ServiceHealth => {
    const state = states.get(name);
    if (!state) return { healthy: true, errorRate: 0, p95LatencyMs: 0, timingOut: false };
    const tick = Date.now() / 7000 + name.length;
    const baseError = 0.001 + wobble(tick) * 0.003;
    const baseLatency = Math.round(state.baseLatency * (0.9 + wobble(tick * 1.3) * 0.3));
    const own = state.problems();
    if (own.length > 0) {
      return {
        healthy: false,
        reason: own.map((p) => p.reason).join('; '),
        errorRate: Math.max(...own.map((p) => p.errorRate)),
        p95LatencyMs: Math.max(baseLatency, ...own.map((p) => p.p95LatencyMs ?? 0)),
        timingOut: own.some((p) => p.timingOut),
        rootCause: name,
      };
    }
    seen.add(name);
    for (const dependency of definition.services[name]!.dependsOn) {
      if (!HARD_DEPENDENCY_KINDS.has(dependency.kind) || seen.has(dependency.id)) continue;
      const upstream = health(dependency.id, seen);
      if (upstream.healthy) continue;
      const root =
        upstream.rootCause && upstream.rootCause !== dependency.id
          ? ` (root cause upstream: ${upstream.rootCause})`
          : '';
      return {
        healthy: false,
        reason: `dependency ${dependency.id} ${upstream.timingOut ? 'timing out' : 'failing'}${root}: ${upstream.reason}`,
        errorRate: Math.min(0.9, 0.15 + upstream.errorRate * 0.5),
        p95LatencyMs: upstream.timingOut ? 10_000 : Math.round(baseLatency * 1.5),
        timingOut: false,
        rootCause: upstream.rootCause ?? dependency.id,
      };
    }
    return {
      healthy: true,
      errorRate: Math.round(baseError * 10000) / 10000,
      p95LatencyMs: baseLatency,
      timingOut: false,
    };
  };

  const viewOf = (name: string) => states.get(name)!.view(health(name));

  // Logs: one writer per service; rotation keeps each file bounded.
  const writeLog = (name: string, event: LogEvent, at = new Date(), thread = 1) => {
    const service = definition.services[name]!;
    const file = join(logsDir, logFileName(name, service.logFormat));
    const lines = formatLogEvent(service.logFormat, name, service.kind, event, at, thread);
    try {
      if ((statSync(file, { throwIfNoEntry: false })?.size ?? 0) > MAX_LOG_BYTES) renameSync(file, `${file}.1`);
    } catch {
      // rotation is best effort
    }
    appendFileSync(file, `${lines.join('\n')}\n`);
  };
  const PATHS = ['/api/v1/items', '/api/v1/orders', '/api/v1/cart', '/health', '/api/v1/session'];
  const requestEvent = (at: Date, n: number, h: ServiceHealth): LogEvent => {
    const failing = !h.healthy && wobble(at.getTime() / 997 + n) < h.errorRate + 0.2;
    return {
      type: 'request',
      method: n % 3 === 0 ? 'POST' : 'GET',
      path: PATHS[n % PATHS.length]!,
      status: failing ? (h.timingOut ? 504 : 503) : 200,
      latencyMs: Math.round(h.p95LatencyMs * (0.3 + wobble(n) * 0.6)),
      bytes: failing ? 0 : 512 + (n % 7) * 130,
      client: `10.0.${n % 8}.${10 + (n % 200)}`,
    };
  };
  // A baseline of normal traffic before now.
  const backfillMinutes = options.backfillMinutes ?? 20;
  for (const name of states.keys()) {
    const start = Date.now() - backfillMinutes * 60_000;
    writeLog(name, { type: 'info', message: `${name} ${states.get(name)!.version} started` }, new Date(start - 1000));
    for (let t = start, n = 0; t < Date.now(); t += 20_000, n += 1)
      writeLog(
        name,
        requestEvent(new Date(t), n, {
          healthy: true,
          errorRate: 0.002,
          p95LatencyMs: states.get(name)!.baseLatency,
          timingOut: false,
        }),
        new Date(t),
        n,
      );
  }
  let tickCount = 0;
  const logTicker = setInterval(() => {
    tickCount += 1;
    const at = new Date();
    for (const name of states.keys()) {
      const h = health(name);
      if (tickCount % 3 === 0 || !h.healthy) writeLog(name, requestEvent(at, tickCount, h), at, tickCount);
      if (h.healthy) continue;
      const own = states.get(name)!.problems();
      if (own.length > 0) {
        for (const problem of own.slice(0, 2))
          writeLog(
            name,
            { type: 'problem', code: problem.code, reason: problem.reason, timingOut: problem.timingOut },
            at,
            tickCount,
          );
      } else {
        const failing = definition.services[name]!.dependsOn.find(
          (d) => HARD_DEPENDENCY_KINDS.has(d.kind) && !health(d.id).healthy,
        );
        if (failing) {
          const upstream = health(failing.id);
          writeLog(
            name,
            {
              type: 'problem',
              code: 'dependency',
              dependency: failing.id,
              reason: upstream.reason ?? 'unhealthy',
              timingOut: upstream.timingOut,
            },
            at,
            tickCount,
          );
        }
      }
    }
  }, 1000);
  logTicker.unref();

  // HTTP servers.
  const actions: AdminActionRecord[] = [];
  const handler = (name: string) => async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const state = states.get(name)!;
    const service = definition.services[name]!;
    try {
      const text = req.method === 'POST' || req.method === 'PUT' ? await readBody(req) : '';
      let body: Record<string, unknown> = {};
      if (text.trim()) {
        try {
          const parsed = JSON.parse(text) as unknown;
          if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
          else return send(res, 400, { ok: false, error: 'body must be a JSON object' });
        } catch {
          return send(res, 400, { ok: false, error: 'body is not valid JSON' });
        }
      }
      const by = typeof body.reason === 'string' ? body.reason.slice(0, 200) : 'admin';
      if (req.method === 'GET' && path === '/health') {
        const h = health(name);
        if (h.timingOut) await new Promise((r) => setTimeout(r, 1500));
        return h.healthy
          ? send(res, 200, { status: 'ok', service: name, version: state.version })
          : send(res, 503, { status: 'unhealthy', service: name, version: state.version, reason: h.reason });
      }
      if (req.method === 'GET' && path === '/admin/state') return send(res, 200, viewOf(name));
      const action =
        req.method === 'POST'
          ? (ADMIN_ROUTES[path] ?? (path.startsWith('/admin/feature-flags/') ? 'feature-flag' : undefined))
          : undefined;
      if (action) {
        const args =
          action === 'feature-flag'
            ? { ...body, flag: decodeURIComponent(path.slice('/admin/feature-flags/'.length)) }
            : body;
        const result = state.act(action, args, by);
        if (!result.ok) {
          log(`${name}: ${action} refused: ${result.error}`);
          return send(res, result.status, { ok: false, error: result.error });
        }
        writeLog(name, { type: 'warn', message: `admin ${action}: ${result.changed} (${by})` });
        actions.push({ at: new Date().toISOString(), service: name, action, changed: String(result.changed), by });
        log(`${name}: ${action}: ${result.changed}`);
        return send(res, 200, { ok: true, action, service: name, state: viewOf(name) });
      }
      if (path === '/admin/faults' && req.method === 'POST') {
        const parsed = FaultSpec.safeParse(body);
        if (!parsed.success)
          return send(res, 400, {
            ok: false,
            error: parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
          });
        const id = state.inject(parsed.data);
        log(`${name}: fault injected: ${parsed.data.kind}`);
        return send(res, 200, { ok: true, fault: id, service: name, state: viewOf(name) });
      }
      if (path === '/admin/faults' && req.method === 'DELETE') {
        state.clearFaults();
        return send(res, 200, { ok: true, service: name, state: viewOf(name) });
      }
      if (path === '/admin/reset' && req.method === 'POST') {
        state.reset();
        return send(res, 200, { ok: true, service: name, state: viewOf(name) });
      }
      if (service.kind === 'directory') {
        const answered = directoryRoute(directory, req.method ?? 'GET', path, body, health(name).healthy);
        if (answered) {
          if (answered.status < 300 && req.method !== 'GET') {
            writeLog(name, { type: 'info', message: `${req.method} ${path} ${answered.status} (${by})` });
            log(`${name}: ${req.method} ${path} -> ${answered.status}`);
          }
          return send(res, answered.status, answered.body);
        }
      }
      if (service.kind === 'mdm') {
        const answered = fleetRoute(fleet, req.method ?? 'GET', path, body, health(name).healthy);
        if (answered) {
          if (answered.status < 300 && req.method !== 'GET') {
            writeLog(name, { type: 'info', message: `${req.method} ${path} ${answered.status} (${by})` });
            log(`${name}: ${req.method} ${path} -> ${answered.status}`);
          }
          return send(res, answered.status, answered.body);
        }
      }
      return send(res, 404, { ok: false, error: `no route ${req.method} ${path} on ${name}` });
    } catch (error) {
      return send(res, 500, { ok: false, error: (error as Error).message });
    }
  };

  const servers: Server[] = [];
  const urls: Record<string, string> = {};
  let port = options.basePort ?? 0;
  for (const name of states.keys()) {
    const server = createServer((req, res) => void handler(name)(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    servers.push(server);
    urls[name] = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    if (port) port += 1;
  }

  const overrides = governanceOverrides(definition, urls, { drill: options.drillGovernance ?? true });
  writeTopology();
  writeFileSync(files.governanceOverrides, `${JSON.stringify(overrides, null, 2)}\n`);
  writeFileSync(files.teams, `${JSON.stringify(teamsFile(definition), null, 2)}\n`);
  writeFileSync(files.estate, `${JSON.stringify({ name: definition.name, urls }, null, 2)}\n`);

  // Monitor.
  const tracker = new AlertTracker(options.alertForCycles ?? 2);
  const sent: SentAlert[] = [];
  let target: LumosTarget | undefined;
  const observe = async (name: string): Promise<Observation | undefined> => {
    try {
      const healthResponse = await fetch(`${urls[name]}/health`, { signal: AbortSignal.timeout(5000) });
      const healthBody = (await healthResponse.json()) as { reason?: string };
      const stateResponse = await fetch(`${urls[name]}/admin/state`, { signal: AbortSignal.timeout(5000) });
      return {
        service: name,
        healthStatus: healthResponse.status,
        healthReason: healthBody.reason,
        state: (await stateResponse.json()) as ServiceStateView,
      };
    } catch (error) {
      log(`monitor: ${name} not reachable: ${(error as Error).message}`);
      return undefined;
    }
  };
  const deliver = async (name: string, transition: Parameters<typeof alertmanagerPayload>[0], at: Date) => {
    const service = definition.services[name]!;
    const record: SentAlert = {
      at: at.toISOString(),
      service: name,
      rule: transition.result.rule,
      status: transition.status,
      channel: service.alerting,
    };
    sent.push(record);
    if (!target) return;
    try {
      const response =
        service.alerting === 'alertmanager'
          ? await fetch(`${target.url}/webhooks/alertmanager`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${target.alertmanagerSecret}` },
              body: JSON.stringify(alertmanagerPayload(transition, name, service.team, at)),
            })
          : await fetch(`${target.url}/events`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify(cloudWatchEvent(transition, name, at)),
            });
      record.httpStatus = response.status;
      record.response = await response.json().catch(() => undefined);
      const answer = record.response as {
        incidentId?: string;
        status?: string;
        incidents?: { incidentId?: string; status?: string }[];
      };
      const incident = answer?.incidentId ?? answer?.incidents?.[0]?.incidentId;
      log(
        `alert ${transition.status} ${name} ${transition.result.rule} -> ${response.status}${incident ? ` ${incident} (${answer?.status ?? answer?.incidents?.[0]?.status})` : ''}`,
      );
    } catch (error) {
      record.error = (error as Error).message;
      log(`alert ${transition.status} ${name} ${transition.result.rule} not delivered: ${record.error}`);
    }
  };
  let evaluating: Promise<void> | undefined;
  const evaluate = async () => {
    if (evaluating) return evaluating;
    evaluating = (async () => {
      const observations = await Promise.all([...states.keys()].map(observe));
      const at = new Date();
      for (const observation of observations) {
        if (!observation) continue;
        for (const transition of tracker.update(observation.service, evaluateRules(observation, at.getTime()), at))
          await deliver(observation.service, transition, at);
      }
    })().finally(() => {
      evaluating = undefined;
    });
    return evaluating;
  };
  const monitor = setInterval(() => void evaluate(), options.monitorIntervalMs ?? 3000);
  monitor.unref();

  log(`estate ${definition.name}: ${states.size} services on ${Object.values(urls)[0]} ... (state in ${stateDir})`);
  return {
    definition,
    urls,
    stateDir,
    files,
    lumosEnvironment: () => ({
      LUMOS_TOPOLOGY_FILE: files.topology,
      LUMOS_LOGS_DIR: files.logsDir,
      LUMOS_TEAMS_FILE: files.teams,
      LUMOS_GOVERNANCE_OVERRIDES: JSON.stringify(overrides),
    }),
    attachLumos: (lumos) => {
      target = lumos;
    },
    health: (name) => health(name),
    state: viewOf,
    inject: (name, fault) => {
      const state = states.get(name);
      if (!state) throw new Error(`no estate service '${name}'`);
      const id = state.inject(FaultSpec.parse(fault));
      log(`${name}: fault injected: ${fault.kind}`);
      return id;
    },
    reset: (names) => {
      const reset = new Set(names ?? states.keys());
      for (const name of reset) states.get(name)?.reset();
      // A reset rewinds those services as if the scenario had not happened: their live deploys and config changes
      // leave the change history too, or the next scenario would see changes that no longer match the state.
      const kept = liveChanges.filter((change) => !reset.has(change.component));
      if (kept.length !== liveChanges.length) {
        liveChanges.splice(0, liveChanges.length, ...kept);
        writeTopology();
      }
    },
    sentAlerts: () => sent,
    adminActions: () => actions,
    firingServices: () => tracker.firingServices(),
    evaluate,
    directory,
    fleet,
    stop: async () => {
      clearInterval(monitor);
      clearInterval(logTicker);
      await evaluating?.catch(() => undefined);
      await Promise.all(
        servers.map(
          (server) =>
            new Promise<void>((resolve) => {
              server.close(() => resolve());
              server.closeAllConnections();
            }),
        ),
      );
    },
  };
}

type Answer = { status: number; body: unknown } | undefined;

/** identity-directory routes of the estate contract (plus PUT membership, which the grant-access runbook uses). */
function directoryRoute(
  directory: IdentityDirectory,
  method: string,
  path: string,
  body: Record<string, unknown>,
  healthy: boolean,
): Answer {
  const user = /^\/users\/([^/]+)(\/.*)?$/.exec(path);
  const group = /^\/groups\/([^/]+)\/members(?:\/([^/]+))?$/.exec(path);
  if (!user && !group) return undefined;
  if (!healthy) return { status: 503, body: { ok: false, error: 'identity-directory is unhealthy' } };
  if (user) {
    const name = decodeURIComponent(user[1]!);
    const account = directory.users.get(name);
    if (!account) return { status: 404, body: { ok: false, error: `unknown user '${name}'` } };
    if (method === 'GET' && !user[2]) return { status: 200, body: directory.view(name) };
    if (method === 'POST' && user[2] === '/password-reset') {
      account.passwordResetAt = new Date().toISOString();
      if (body.unlock === true) account.locked = false;
      return { status: 200, body: { ok: true, user: name, resetAt: account.passwordResetAt } };
    }
    if (method === 'POST' && user[2] === '/unlock') {
      account.locked = false;
      return { status: 200, body: { ok: true, user: name, locked: false } };
    }
    return undefined;
  }
  const groupName = decodeURIComponent(group![1]!);
  const member = group![2] ? decodeURIComponent(group![2]) : typeof body.user === 'string' ? body.user : undefined;
  if (!member) return { status: 400, body: { ok: false, error: 'user is required' } };
  const account = directory.users.get(member);
  if (!account) return { status: 404, body: { ok: false, error: `unknown user '${member}'` } };
  if ((method === 'POST' && !group![2]) || (method === 'PUT' && group![2])) {
    account.groups.add(groupName);
    return { status: 200, body: { ok: true, group: groupName, user: member } };
  }
  if (method === 'DELETE' && group![2]) {
    account.groups.delete(groupName);
    return { status: 200, body: { ok: true, group: groupName, user: member } };
  }
  return undefined;
}

/** device-fleet routes of the estate contract (plus `POST /assignments {user, package}` for per-user installs). */
function fleetRoute(
  fleet: DeviceFleet,
  method: string,
  path: string,
  body: Record<string, unknown>,
  healthy: boolean,
): Answer {
  const device = /^\/devices\/([^/]+)(\/software)?$/.exec(path);
  if (!device && path !== '/software' && path !== '/assignments' && path !== '/devices') return undefined;
  if (!healthy) return { status: 503, body: { ok: false, error: 'device-fleet is unhealthy' } };
  if (method === 'GET' && path === '/software') return { status: 200, body: { approved: fleet.approved } };
  if (method === 'GET' && path === '/devices')
    return { status: 200, body: { devices: [...fleet.devices.keys()].map((d) => fleet.view(d)) } };
  const install = (id: string, pkg: unknown): Answer => {
    if (typeof pkg !== 'string' || !fleet.approved.includes(pkg))
      return { status: 422, body: { ok: false, error: `package '${String(pkg)}' is not on the approved list` } };
    fleet.devices.get(id)!.software.set(pkg, 'latest');
    return { status: 200, body: { ok: true, device: id, package: pkg } };
  };
  if (path === '/assignments' && method === 'POST') {
    const owned = fleet.ownedBy(String(body.user ?? ''));
    if (owned.length === 0)
      return { status: 404, body: { ok: false, error: `no device owned by '${String(body.user)}'` } };
    const results = owned.map((id) => install(id, body.package)!);
    const failed = results.find((r) => r.status !== 200);
    return failed ?? { status: 200, body: { ok: true, devices: owned, package: body.package } };
  }
  if (!device) return undefined;
  const id = decodeURIComponent(device[1]!);
  if (!fleet.devices.has(id)) return { status: 404, body: { ok: false, error: `unknown device '${id}'` } };
  if (method === 'GET' && !device[2]) return { status: 200, body: fleet.view(id) };
  if (method === 'POST' && device[2]) return install(id, body.package);
  return undefined;
}
