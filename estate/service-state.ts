import type { EstateServiceDefinition } from './definition';
import { resolveTime } from './definition';
import { type AdminAction, type FaultSpec, FIXED_BY } from './faults';

/** One active fault, as injected. */
export interface ActiveFault {
  readonly id: string;
  readonly spec: FaultSpec;
  /** Epoch ms. */
  readonly since: number;
}

/** A deploy or rollback, newest last. */
export interface DeployRecord {
  version: string;
  at: string;
  by: string;
  change: string;
}

/** A change to the service's configuration, newest last. */
export interface ConfigChange {
  key: string;
  from: string | number | boolean | undefined;
  to: string | number | boolean;
  at: string;
  by: string;
  change: string;
}

/** The kinds of trouble a service reports. */
export type ProblemCode =
  | 'crash-loop'
  | 'primary-down'
  | 'hang'
  | 'disk'
  | 'memory'
  | 'pool'
  | 'load'
  | 'credential'
  | 'certificate'
  | 'bad-deploy'
  | 'feature-flag'
  | 'flapping';

/** Something the service itself is suffering from (not its dependencies). */
export interface Problem {
  /** What kind of trouble, for log lines and alert rules. */
  code: ProblemCode;
  /** What a person reads, e.g. "disk 100% full". */
  reason: string;
  errorRate: number;
  p95LatencyMs?: number;
  /** The service does not answer in time: dependents see a timeout rather than errors. */
  timingOut?: boolean;
}

/** `GET /admin/state`, as the estate contract defines it. */
export interface ServiceStateView {
  service: string;
  version: string;
  previousVersion: string | null;
  deploys: DeployRecord[];
  replicas: number;
  disk: { usedPercent: number };
  memory: { usedPercent: number };
  connections: { used: number; max: number };
  certificate: { notAfter: string };
  featureFlags: Record<string, boolean>;
  config: Record<string, string | number | boolean>;
  /** The configuration change a config rollback would undo, if any. */
  lastConfigChange: ConfigChange | null;
  restarts: number;
  errorRate: number;
  p95LatencyMs: number;
  healthy: boolean;
  reason?: string;
  faults: { id: string; kind: string; since: string }[];
}

/** The outcome of an admin action: 200 with the new state, or a 4xx/409 naming why it does not apply. */
export type ActionResult = { ok: true; changed: string } | { ok: false; status: 404 | 409 | 400; error: string };

/** A change the service records (deploy, rollback, config change): fed into the topology's change history. */
export interface ChangeEvent {
  id: string;
  component: string;
  at: string;
  kind: 'deployment' | 'config' | 'rollback' | 'feature-flag';
  summary: string;
  by: string;
  risk: 'high' | 'medium' | 'low';
  /** The flag a feature-flag change switched. */
  featureFlag?: string;
}

const DAY_MS = 86_400_000;
/** Change numbers of live changes, process-wide so two services never record the same number. */
let changeSequence = 0;
const BASE_MEMORY = 46;
const BASE_DISK_FREED = 34;

/** A stable small number from the service name, so each service has its own plausible baseline. */
function seed(name: string): number {
  let h = 0;
  for (const c of name) h = (h * 31 + c.charCodeAt(0)) % 1000;
  return h / 1000;
}

/**
 * The pure state of one estate service: its versions, resources, configuration and active faults, the effect of
 * the admin actions, and the problems it has at a moment. No I/O: the HTTP layer and the monitor read it.
 */
export class ServiceState {
  versions: string[];
  deploys: DeployRecord[];
  replicas: number;
  readonly baseReplicas: number;
  featureFlags: Record<string, boolean>;
  config: Record<string, string | number | boolean>;
  configHistory: ConfigChange[] = [];
  faults: ActiveFault[] = [];
  restarts = 0;
  certificateNotAfter: number;
  private diskBase: number;
  private diskSince: number;
  private memorySince: number;
  private faultSeq = 0;
  readonly baseLatency: number;

  constructor(
    readonly name: string,
    readonly definition: EstateServiceDefinition,
    private readonly now: () => number = Date.now,
    private readonly onChange: (change: ChangeEvent) => void = () => undefined,
  ) {
    const at = new Date(now());
    this.deploys = definition.deploys.map((d) => ({ ...d, at: resolveTime(d.at, at) }));
    this.versions = [...new Set(this.deploys.map((d) => d.version))];
    this.replicas = definition.replicas;
    this.baseReplicas = definition.replicas;
    this.featureFlags = { ...definition.featureFlags };
    this.config = { ...definition.config, 'pool.maxSize': definition.connections.max };
    this.certificateNotAfter = now() + definition.certificate.daysLeft * DAY_MS;
    this.diskBase = definition.disk.usedPercent;
    this.diskSince = now();
    this.memorySince = now();
    this.baseLatency = Math.round(40 + seed(name) * 160);
  }

  get version(): string {
    return this.versions[this.versions.length - 1]!;
  }

  get previousVersion(): string | undefined {
    return this.versions.length > 1 ? this.versions[this.versions.length - 2] : undefined;
  }

  private faultsOf<K extends FaultSpec['kind']>(kind: K): (ActiveFault & { spec: Extract<FaultSpec, { kind: K }> })[] {
    return this.faults.filter((f) => f.spec.kind === kind) as (ActiveFault & {
      spec: Extract<FaultSpec, { kind: K }>;
    })[];
  }

  private nextChangeId(): string {
    changeSequence += 1;
    return `CHG${String(31_000 + changeSequence).padStart(7, '0')}`;
  }

  /** Injects a fault; returns its id. */
  inject(spec: FaultSpec): string {
    this.faultSeq += 1;
    const id = `${this.name}-${spec.kind}-${this.faultSeq}`;
    const at = new Date(this.now()).toISOString();
    switch (spec.kind) {
      case 'bad-deploy': {
        const version = spec.version ?? bumpMinor(this.version);
        const change = spec.change ?? this.nextChangeId();
        this.versions.push(version);
        this.deploys.push({ version, at, by: spec.by, change });
        this.onChange({
          id: change,
          component: this.name,
          at,
          kind: 'deployment',
          summary: spec.summary ?? `Release ${version} of ${this.name}`,
          by: spec.by,
          risk: 'medium',
        });
        break;
      }
      case 'pool-exhaustion': {
        const change = spec.change ?? this.nextChangeId();
        const from = this.config[spec.key];
        this.config[spec.key] = spec.to;
        this.configHistory.push({ key: spec.key, from, to: spec.to, at, by: spec.by, change });
        this.onChange({
          id: change,
          component: this.name,
          at,
          kind: 'config',
          summary: `Set ${spec.key} from ${String(from)} to ${spec.to}`,
          by: spec.by,
          risk: 'low',
        });
        break;
      }
      case 'feature-flag': {
        this.featureFlags[spec.flag] = true;
        this.onChange({
          id: spec.change ?? this.nextChangeId(),
          component: this.name,
          at,
          kind: 'feature-flag',
          summary: `Turn on feature flag ${spec.flag}`,
          by: spec.by ?? 'feature-flag-console',
          risk: 'low',
          featureFlag: spec.flag,
        });
        break;
      }
      case 'certificate-expiry':
        this.certificateNotAfter = this.now() + spec.daysLeft * DAY_MS;
        break;
      case 'memory-leak':
        this.memorySince = this.now();
        break;
      case 'disk-fill':
        this.diskBase = this.diskUsed();
        this.diskSince = this.now();
        break;
      default:
        break;
    }
    this.faults.push({ id, spec, since: this.now() });
    return id;
  }

  /** Removes every fault (drills only) without undoing versions or configuration. */
  clearFaults(): void {
    this.faults = [];
    this.diskBase = Math.min(this.diskBase, this.definition.disk.usedPercent);
    this.memorySince = this.now();
  }

  private clear(action: AdminAction): void {
    this.faults = this.faults.filter((f) => FIXED_BY[f.spec.kind] !== action);
  }

  memoryUsed(): number {
    let used = BASE_MEMORY + seed(this.name) * 10;
    for (const f of this.faultsOf('memory-leak'))
      used += ((this.now() - Math.max(f.since, this.memorySince)) / 60_000) * f.spec.percentPerMinute;
    return Math.min(100, Math.round(used * 10) / 10);
  }

  diskUsed(): number {
    let used = this.diskBase;
    for (const f of this.faultsOf('disk-fill'))
      used += ((this.now() - Math.max(f.since, this.diskSince)) / 60_000) * f.spec.percentPerMinute;
    return Math.min(100, Math.round(used * 10) / 10);
  }

  private poolMax(): number {
    return Number(this.config['pool.maxSize'] ?? this.definition.connections.max);
  }

  /** Connections in use: normal load is a fraction of the pool; a shrunk pool or extra load fills it. */
  connectionsUsed(): number {
    const max = this.poolMax();
    const demand = Math.round(this.definition.connections.max * (0.3 + seed(this.name) * 0.2));
    const load = this.faultsOf('load')[0];
    const wanted = load ? Math.round((demand * load.spec.factor * this.baseReplicas) / this.replicas) * 2 : demand;
    return Math.min(max, wanted);
  }

  private flappingDown(): boolean {
    for (const f of this.faultsOf('flapping')) {
      const elapsed = (this.now() - f.since) / 1000;
      if (elapsed > f.spec.durationSeconds) continue;
      if (Math.floor(elapsed / (f.spec.periodSeconds / 2)) % 2 === 0) return true;
    }
    return false;
  }

  /** Drops faults that end by themselves (a flapping episode that has run its course). */
  private expire(): void {
    this.faults = this.faults.filter(
      (f) => f.spec.kind !== 'flapping' || (this.now() - f.since) / 1000 <= f.spec.durationSeconds,
    );
  }

  /** The service's own problems now, most severe first. */
  problems(): Problem[] {
    this.expire();
    const found: Problem[] = [];
    const crash = this.faultsOf('crash-loop')[0];
    if (crash)
      found.push({
        code: 'crash-loop',
        reason: `CrashLoopBackOff: container exits with code ${crash.spec.exitCode} at start (${this.replicas} of ${this.replicas} pods restarting)`,
        errorRate: 1,
      });
    if (this.faultsOf('primary-down').length > 0)
      found.push({
        code: 'primary-down',
        reason: 'primary is down: not accepting connections (standby in sync)',
        errorRate: 1,
      });
    const hang = this.faultsOf('hang')[0];
    if (hang)
      found.push({
        code: 'hang',
        reason: `not responding: worker threads blocked, requests time out after ${Math.round(hang.spec.latencyMs / 1000)}s`,
        errorRate: 0.6,
        p95LatencyMs: hang.spec.latencyMs,
        timingOut: true,
      });
    const disk = this.diskUsed();
    if (disk >= 98)
      found.push({
        code: 'disk',
        reason: `disk ${Math.round(disk)}% full: writes failing (No space left on device)`,
        errorRate: 0.8,
      });
    const memory = this.memoryUsed();
    if (memory >= 95)
      found.push({
        code: 'memory',
        reason: `memory ${Math.round(memory)}% used: OutOfMemoryError, requests failing`,
        errorRate: 0.7,
      });
    const used = this.connectionsUsed();
    const max = this.poolMax();
    if (used >= max) {
      const load = this.faultsOf('load')[0];
      found.push({
        code: load ? 'load' : 'pool',
        reason: load
          ? `connection pool saturated (${used}/${max}) under ${load.spec.factor}x load on ${this.replicas} replicas`
          : `connection pool exhausted (${used}/${max} in use) since the change to ${this.configHistory.at(-1)?.key ?? 'the pool size'}`,
        errorRate: 0.5,
        p95LatencyMs: 5000,
      });
    }
    const credential = this.faultsOf('credential-expiry')[0];
    if (credential)
      found.push({
        code: 'credential',
        reason: `authentication failed: ${credential.spec.credential} expired`,
        errorRate: 1,
      });
    if (this.certificateNotAfter <= this.now())
      found.push({
        code: 'certificate',
        reason: 'TLS certificate expired: clients reject the handshake',
        errorRate: 1,
      });
    const bad = this.faultsOf('bad-deploy')[0];
    if (bad)
      found.push({
        code: 'bad-deploy',
        reason: `version ${this.version} answers HTTP 500 on ${Math.round(bad.spec.errorRate * 100)}% of requests`,
        errorRate: bad.spec.errorRate,
      });
    for (const f of this.faultsOf('feature-flag')) {
      if (this.featureFlags[f.spec.flag])
        found.push({
          code: 'feature-flag',
          reason: `feature flag ${f.spec.flag} on: requests through it fail with HTTP 500`,
          errorRate: f.spec.errorRate,
        });
    }
    if (this.flappingDown())
      found.push({
        code: 'flapping',
        reason: 'health check failing intermittently (readiness probe timeouts)',
        errorRate: 0.3,
      });
    return found;
  }

  /** Applies an admin action of the estate contract. */
  act(action: AdminAction, body: Record<string, unknown> = {}, by = 'admin'): ActionResult {
    const at = new Date(this.now()).toISOString();
    switch (action) {
      case 'restart':
        this.restarts += 1;
        this.memorySince = this.now();
        this.clear('restart');
        return { ok: true, changed: `restarted (restart #${this.restarts})` };
      case 'rollback': {
        const previous = this.previousVersion;
        if (!previous) return { ok: false, status: 409, error: `no previous version of ${this.name} to roll back to` };
        const from = this.versions.pop()!;
        const change = this.nextChangeId();
        this.deploys.push({ version: previous, at, by, change });
        this.faults = this.faults.filter((f) => f.spec.kind !== 'bad-deploy');
        this.onChange({
          id: change,
          component: this.name,
          at,
          kind: 'rollback',
          summary: `Rollback from ${from} to ${previous}`,
          by,
          risk: 'low',
        });
        return { ok: true, changed: `rolled back from ${from} to ${previous}` };
      }
      case 'scale': {
        const replicas = Number(body.replicas);
        if (!Number.isInteger(replicas) || replicas < 1 || replicas > 50)
          return { ok: false, status: 400, error: 'replicas must be an integer from 1 to 50' };
        this.replicas = replicas;
        const load = this.faultsOf('load')[0];
        if (load && replicas >= Math.ceil(this.baseReplicas * load.spec.factor) * 2)
          this.faults = this.faults.filter((f) => f !== load);
        if (load && this.connectionsUsed() < this.poolMax()) this.faults = this.faults.filter((f) => f !== load);
        return { ok: true, changed: `scaled to ${replicas} replicas` };
      }
      case 'free-disk': {
        const before = this.diskUsed();
        this.clear('free-disk');
        this.diskBase = Math.min(before, BASE_DISK_FREED);
        this.diskSince = this.now();
        return { ok: true, changed: `freed disk from ${Math.round(before)}% to ${Math.round(this.diskBase)}%` };
      }
      case 'rotate-certificate':
        this.certificateNotAfter = this.now() + 90 * DAY_MS;
        this.clear('rotate-certificate');
        return {
          ok: true,
          changed: `certificate and credentials rotated (valid until ${new Date(this.certificateNotAfter).toISOString()})`,
        };
      case 'failover':
        if (this.definition.kind !== 'database')
          return { ok: false, status: 409, error: `${this.name} is not a database with a standby to fail over to` };
        this.clear('failover');
        return { ok: true, changed: 'failed over to the standby; it is the primary now' };
      case 'feature-flag': {
        const flag = String(body.flag ?? '');
        if (!(flag in this.featureFlags))
          return { ok: false, status: 404, error: `${this.name} has no feature flag '${flag}'` };
        if (typeof body.enabled !== 'boolean')
          return { ok: false, status: 400, error: 'enabled must be true or false' };
        this.featureFlags[flag] = body.enabled;
        if (!body.enabled)
          this.faults = this.faults.filter((f) => !(f.spec.kind === 'feature-flag' && f.spec.flag === flag));
        this.onChange({
          id: this.nextChangeId(),
          component: this.name,
          at,
          kind: 'feature-flag',
          summary: `Turn ${body.enabled ? 'on' : 'off'} feature flag ${flag}`,
          by,
          risk: 'low',
          featureFlag: flag,
        });
        return { ok: true, changed: `feature flag ${flag} ${body.enabled ? 'on' : 'off'}` };
      }
      case 'config-rollback': {
        const last = this.configHistory.pop();
        if (!last) return { ok: false, status: 409, error: `${this.name} has no configuration change to revert` };
        if (last.from === undefined) delete this.config[last.key];
        else this.config[last.key] = last.from;
        this.clear('config-rollback');
        const change = this.nextChangeId();
        this.onChange({
          id: change,
          component: this.name,
          at,
          kind: 'config',
          summary: `Revert ${last.key} to ${String(last.from)} (undo ${last.change})`,
          by,
          risk: 'low',
        });
        return { ok: true, changed: `reverted ${last.key} from ${String(last.to)} to ${String(last.from)}` };
      }
    }
  }

  /** Back to the definition's state (drills reset between scenarios). */
  reset(): void {
    const at = new Date(this.now());
    this.deploys = this.definition.deploys.map((d) => ({ ...d, at: resolveTime(d.at, at) }));
    this.versions = [...new Set(this.deploys.map((d) => d.version))];
    this.replicas = this.definition.replicas;
    this.featureFlags = { ...this.definition.featureFlags };
    this.config = { ...this.definition.config, 'pool.maxSize': this.definition.connections.max };
    this.configHistory = [];
    this.faults = [];
    this.certificateNotAfter = this.now() + this.definition.certificate.daysLeft * DAY_MS;
    this.diskBase = this.definition.disk.usedPercent;
    this.diskSince = this.now();
    this.memorySince = this.now();
  }

  /** The contract's state view, given the health the estate computed (own problems or a dependency's). */
  view(health: { healthy: boolean; reason?: string; errorRate: number; p95LatencyMs: number }): ServiceStateView {
    return {
      service: this.name,
      version: this.version,
      previousVersion: this.previousVersion ?? null,
      deploys: this.deploys.map((d) => ({ ...d })),
      replicas: this.replicas,
      disk: { usedPercent: this.diskUsed() },
      memory: { usedPercent: this.memoryUsed() },
      connections: { used: this.connectionsUsed(), max: this.poolMax() },
      certificate: { notAfter: new Date(this.certificateNotAfter).toISOString() },
      featureFlags: { ...this.featureFlags },
      config: { ...this.config },
      lastConfigChange: this.configHistory.at(-1) ? { ...this.configHistory.at(-1)! } : null,
      restarts: this.restarts,
      errorRate: health.errorRate,
      p95LatencyMs: health.p95LatencyMs,
      healthy: health.healthy,
      ...(health.reason ? { reason: health.reason } : {}),
      faults: this.faults.map((f) => ({ id: f.id, kind: f.spec.kind, since: new Date(f.since).toISOString() })),
    };
  }
}

function bumpMinor(version: string): string {
  const parts = version.split('.');
  if (parts.length < 2 || parts.some((p) => !/^\d+$/.test(p))) return `${version}-1`;
  parts[1] = String(Number(parts[1]) + 1);
  for (let i = 2; i < parts.length; i += 1) parts[i] = '0';
  return parts.join('.');
}
