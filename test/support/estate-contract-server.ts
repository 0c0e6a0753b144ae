import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small stand-in for the demo estate, implementing its HTTP contract (docs: the estate contract): every service
 * answers `/health`, `/admin/state`, the admin actions and fault injection; `identity-directory` and `device-fleet`
 * answer their catalogue APIs. Runbook tests run against it until the real estate (`estate/`) runs in tests.
 * Faults here are simple: each kind breaks health with a readable reason, and only its own fix heals it.
 */

/** Fault kinds and the admin action that fixes each. */
const FIXED_BY: Record<string, string> = {
  'bad-deploy': 'rollback',
  'crash-loop': 'restart',
  'memory-leak': 'restart',
  'disk-full': 'free-disk',
  'certificate-expired': 'rotate-certificate',
  'primary-down': 'failover',
  'feature-flag': 'feature-flags',
  'config-change': 'config-rollback',
  overload: 'scale',
};

export interface EstateService {
  service: string;
  version: string;
  previousVersion: string | null;
  deploys: { version: string; at: string; by: string; change: string }[];
  replicas: number;
  disk: { usedPercent: number };
  memory: { usedPercent: number };
  connections: { used: number; max: number };
  certificate: { notAfter: string };
  featureFlags: Record<string, boolean>;
  faults: { kind: string; flag?: string }[];
  /** Admin actions received, in order. */
  actions: string[];
}

export interface EstateStandIn {
  url: string;
  /** Base URL of one service (each service lives under `/<service>` here). */
  baseUrl(service: string): string;
  services: Map<string, EstateService>;
  users: Map<string, { user: string; locked: boolean; passwordResetAt: string | null; groups: string[] }>;
  devices: Map<string, { device: string; owner: string; software: { package: string; version: string }[] }>;
  approvedSoftware: string[];
  inject(service: string, fault: { kind: string; flag?: string }): void;
  close(): Promise<void>;
}

const healthOf = (s: EstateService): { healthy: boolean; reason?: string } => {
  const fault = s.faults[0];
  if (!fault) return { healthy: true };
  const reasons: Record<string, string> = {
    'bad-deploy': `errors since deploy of ${s.version}`,
    'crash-loop': 'process keeps crashing',
    'memory-leak': `memory ${s.memory.usedPercent}% used`,
    'disk-full': `disk ${s.disk.usedPercent}% full`,
    'certificate-expired': `certificate expired at ${s.certificate.notAfter}`,
    'primary-down': 'primary does not accept connections',
    'feature-flag': `errors since flag ${fault.flag} was enabled`,
    'config-change': `connection pool exhausted (${s.connections.used}/${s.connections.max})`,
    overload: `saturated at ${s.replicas} replicas`,
  };
  return { healthy: false, reason: reasons[fault.kind] ?? fault.kind };
};

function newService(service: string): EstateService {
  return {
    service,
    version: '1.4.2',
    previousVersion: '1.4.1',
    deploys: [{ version: '1.4.2', at: '2026-12-03T09:00:00Z', by: 'ci', change: 'CHG-1' }],
    replicas: 2,
    disk: { usedPercent: 41 },
    memory: { usedPercent: 38 },
    connections: { used: 12, max: 100 },
    certificate: { notAfter: '2027-06-01T00:00:00Z' },
    featureFlags: { 'new-checkout': false },
    faults: [],
    actions: [],
  };
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of req) text += chunk;
  if (!text) return {};
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** Starts the stand-in on a free port of 127.0.0.1 with the named services (plus the two catalogue services). */
export async function startEstateStandIn(names: string[] = ['checkout-api', 'orders-db']): Promise<EstateStandIn> {
  const services = new Map(names.map((n) => [n, newService(n)]));
  const users: EstateStandIn['users'] = new Map([
    ['ana.lima', { user: 'ana.lima', locked: true, passwordResetAt: null, groups: [] }],
  ]);
  const devices: EstateStandIn['devices'] = new Map([
    ['lt-ana-01', { device: 'lt-ana-01', owner: 'ana.lima', software: [] }],
  ]);
  const approvedSoftware = ['slack', 'zoom', 'vscode'];

  const fix = (s: EstateService, action: string) => {
    s.faults = s.faults.filter((f) => FIXED_BY[f.kind] !== action);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    const url = new URL(req.url ?? '/', 'http://estate');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const method = req.method ?? 'GET';
    const body = method === 'GET' ? {} : await readJson(req);
    const [name, ...rest] = parts;

    if (name === 'identity-directory') {
      const [kind, id, sub, member] = rest;
      if (kind === 'users' && id) {
        const user = users.get(id);
        if (!user) return send(404, { error: `unknown user ${id}` });
        if (method === 'GET' && !sub) return send(200, user);
        if (method === 'POST' && sub === 'password-reset') {
          user.passwordResetAt = new Date().toISOString();
          return send(200, { ok: true, user: id, resetAt: user.passwordResetAt });
        }
        if (method === 'POST' && sub === 'unlock') {
          user.locked = false;
          return send(200, { ok: true, user: id, locked: false });
        }
      }
      if (kind === 'groups' && id && sub === 'members') {
        const who = method === 'POST' ? String(body.user ?? '') : (member ?? '');
        const user = users.get(who);
        if (!user) return send(404, { error: `unknown user ${who}` });
        if (method === 'POST') {
          if (!user.groups.includes(id)) user.groups.push(id);
          return send(200, { ok: true, group: id, user: who });
        }
        if (method === 'DELETE') {
          user.groups = user.groups.filter((g) => g !== id);
          return send(200, { ok: true, group: id, user: who });
        }
      }
      if (rest[0] === 'health') return send(200, { status: 'ok', service: name, version: '1.0.0' });
      return send(404, { error: 'no such route' });
    }
    if (name === 'device-fleet') {
      const [kind, id, sub] = rest;
      if (kind === 'software' && method === 'GET') return send(200, { approved: approvedSoftware });
      if (kind === 'devices' && id) {
        const device = devices.get(id);
        if (!device) return send(404, { error: `unknown device ${id}` });
        if (method === 'GET' && !sub) return send(200, device);
        if (method === 'POST' && sub === 'software') {
          const pkg = String(body.package ?? '');
          if (!approvedSoftware.includes(pkg)) return send(422, { ok: false, error: `${pkg} is not approved` });
          device.software.push({ package: pkg, version: 'latest' });
          return send(200, { ok: true, device: id, package: pkg });
        }
      }
      if (rest[0] === 'health') return send(200, { status: 'ok', service: name, version: '1.0.0' });
      return send(404, { error: 'no such route' });
    }

    const s = name ? services.get(name) : undefined;
    if (!s) return send(404, { error: `unknown service ${name}` });
    const path = `/${rest.join('/')}`;
    const state = () => ({ ...s, healthy: healthOf(s).healthy, errorRate: healthOf(s).healthy ? 0.001 : 0.4 });
    if (method === 'GET' && path === '/health') {
      const h = healthOf(s);
      return h.healthy
        ? send(200, { status: 'ok', service: s.service, version: s.version })
        : send(503, { status: 'unhealthy', service: s.service, version: s.version, reason: h.reason });
    }
    if (method === 'GET' && path === '/admin/state') return send(200, state());
    if (method === 'POST' && path === '/admin/faults') {
      s.faults.push({ kind: String(body.kind), ...(body.flag ? { flag: String(body.flag) } : {}) });
      return send(200, { ok: true });
    }
    if (method === 'DELETE' && path === '/admin/faults') {
      s.faults = [];
      return send(200, { ok: true });
    }
    const ok = (action: string) => {
      s.actions.push(action);
      send(200, { ok: true, action, service: s.service, state: state() });
    };
    if (method !== 'POST') return send(404, { error: 'no such route' });
    switch (path) {
      case '/admin/restart':
        fix(s, 'restart');
        s.memory.usedPercent = 30;
        return ok('restart');
      case '/admin/rollback':
        if (!s.previousVersion) return send(409, { ok: false, error: 'no previous version to roll back to' });
        s.version = s.previousVersion;
        s.previousVersion = null;
        fix(s, 'rollback');
        return ok('rollback');
      case '/admin/scale': {
        const replicas = body.replicas;
        if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 1)
          return send(400, { ok: false, error: 'replicas must be a positive integer' });
        s.replicas = replicas;
        if (replicas > 2) fix(s, 'scale');
        return ok('scale');
      }
      case '/admin/free-disk':
        s.disk.usedPercent = 35;
        fix(s, 'free-disk');
        return ok('free-disk');
      case '/admin/rotate-certificate':
        s.certificate.notAfter = '2027-12-31T00:00:00Z';
        fix(s, 'rotate-certificate');
        return ok('rotate-certificate');
      case '/admin/failover':
        fix(s, 'failover');
        return ok('failover');
      case '/admin/config/rollback':
        s.connections = { used: 12, max: 100 };
        fix(s, 'config-rollback');
        return ok('config-rollback');
      default: {
        const flag = /^\/admin\/feature-flags\/([^/]+)$/.exec(path)?.[1];
        if (flag && typeof body.enabled === 'boolean') {
          s.featureFlags[flag] = body.enabled;
          if (!body.enabled) s.faults = s.faults.filter((f) => !(f.kind === 'feature-flag' && f.flag === flag));
          return ok('feature-flags');
        }
        return send(404, { error: 'no such route' });
      }
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error) => res.writeHead(500).end(String(error)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    baseUrl: (service) => `${url}/${service}`,
    services,
    users,
    devices,
    approvedSoftware,
    inject(service, fault) {
      const s = services.get(service)!;
      s.faults.push(fault);
      if (fault.kind === 'disk-full') s.disk.usedPercent = 100;
      if (fault.kind === 'memory-leak') s.memory.usedPercent = 97;
      if (fault.kind === 'certificate-expired') s.certificate.notAfter = '2026-11-30T00:00:00Z';
      if (fault.kind === 'config-change') s.connections = { used: 10, max: 10 };
      if (fault.kind === 'feature-flag' && fault.flag) s.featureFlags[fault.flag] = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
