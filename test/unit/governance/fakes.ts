import type { Incident } from '../../../lambdas/core/incident';
import { chainRecord } from '../../../lambdas/governance/audit/audit-chain';
import { loadGovernanceConfig } from '../../../lambdas/governance/governance-config';
import { CedarPolicyEngine } from '../../../lambdas/governance/policy/cedar-engine';
import { GovernancePolicy } from '../../../lambdas/governance/policy/governance-policy';
import type { ApprovalRequest, ApprovalStatus, ApprovalStore } from '../../../lambdas/ports/approval-store';
import type { AuditEntry, AuditRecord, AuditTrail } from '../../../lambdas/ports/audit';
import type { Clock } from '../../../lambdas/ports/clock';
import type { Notification, Notifier } from '../../../lambdas/ports/notifier';
import type { Scheduler, TimerRequest } from '../../../lambdas/ports/scheduler';
import type { Workflow } from '../../../lambdas/ports/workflow';

const POLICY_DIR = `${__dirname}/../../../policies`;

/** The project's own policies with test overrides merged over governance.yaml. */
export function testPolicy(overrides: unknown = {}): GovernancePolicy {
  return new GovernancePolicy(loadGovernanceConfig({ dir: POLICY_DIR, overrides }), sharedEngine());
}

let engine: CedarPolicyEngine | undefined;
function sharedEngine(): CedarPolicyEngine {
  engine ??= CedarPolicyEngine.fromDirectory(POLICY_DIR);
  return engine;
}

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  constructor(public current: Date = new Date('2026-11-18T10:00:00Z')) {}
  now(): Date {
    return new Date(this.current);
  }
  advance(seconds: number): void {
    this.current = new Date(this.current.getTime() + seconds * 1000);
  }
}

/** Same contract as the DynamoDB store: conditional create and versioned replace; every read is a copy. */
export class MemoryApprovalStore implements ApprovalStore {
  readonly items = new Map<string, ApprovalRequest>();
  async create(request: ApprovalRequest): Promise<boolean> {
    if (this.items.has(request.approvalId)) return false;
    this.items.set(request.approvalId, structuredClone(request));
    return true;
  }
  async get(approvalId: string): Promise<ApprovalRequest | undefined> {
    const found = this.items.get(approvalId);
    // A tick between read and write lets concurrent callers interleave as they would against DynamoDB.
    await new Promise((r) => setImmediate(r));
    return found ? structuredClone(found) : undefined;
  }
  async list(options: { status?: ApprovalStatus } = {}): Promise<ApprovalRequest[]> {
    return [...this.items.values()]
      .filter((r) => !options.status || r.status === options.status)
      .map((r) => structuredClone(r));
  }
  async replace(next: ApprovalRequest, expectedVersion: number): Promise<boolean> {
    const current = this.items.get(next.approvalId);
    if (!current || current.version !== expectedVersion) return false;
    this.items.set(next.approvalId, structuredClone({ ...next, version: expectedVersion + 1 }));
    return true;
  }
}

/** Appends under the same chaining rules as the DynamoDB trail. */
export class MemoryAuditTrail implements AuditTrail {
  readonly records = new Map<string, AuditRecord[]>();
  constructor(private readonly clock: Clock = { now: () => new Date() }) {}
  async append(incidentId: string, entry: AuditEntry): Promise<AuditRecord> {
    const chain = this.records.get(incidentId) ?? [];
    const record = chainRecord(incidentId, entry, chain[chain.length - 1], this.clock.now());
    this.records.set(incidentId, [...chain, record]);
    return record;
  }
  async list(incidentId: string): Promise<AuditRecord[]> {
    return structuredClone(this.records.get(incidentId) ?? []);
  }
  types(incidentId: string): string[] {
    return (this.records.get(incidentId) ?? []).map((r) => r.type);
  }
}

export class MemoryScheduler implements Scheduler {
  readonly timers = new Map<string, TimerRequest>();
  async schedule(timer: TimerRequest): Promise<void> {
    this.timers.set(timer.timerId, timer);
  }
  async cancel(timerId: string): Promise<void> {
    this.timers.delete(timerId);
  }
}

export class CapturingNotifier implements Notifier {
  readonly sent: Notification[] = [];
  async send(notification: Notification): Promise<{ notificationId: string }> {
    this.sent.push(structuredClone(notification));
    return { notificationId: String(this.sent.length) };
  }
  to(recipient: string, channel = 'approval'): Notification[] {
    return this.sent.filter((n) => n.recipient === recipient && n.channel === channel);
  }
}

/** A Step Functions stand-in that records callbacks and can pretend the task is gone. */
export class RecordingWorkflow implements Workflow {
  readonly successes: { taskToken: string; output: Record<string, unknown> }[] = [];
  readonly heartbeats: string[] = [];
  taskGone = false;
  private gone(): Error {
    const error = new Error('Task Timed Out');
    error.name = 'TaskTimedOut';
    return error;
  }
  async start(): Promise<{ executionArn: string; alreadyStarted: boolean }> {
    return { executionArn: 'arn:test', alreadyStarted: false };
  }
  async sendTaskSuccess(taskToken: string, output: Record<string, unknown>): Promise<void> {
    await new Promise((r) => setImmediate(r));
    if (this.taskGone) throw this.gone();
    this.successes.push({ taskToken, output });
  }
  async sendTaskFailure(): Promise<void> {}
  async sendTaskHeartbeat(taskToken: string): Promise<void> {
    if (this.taskGone) throw this.gone();
    this.heartbeats.push(taskToken);
  }
}

/** A triaged incident as the workflow hands it to planning. */
export function triagedIncident(overrides: Partial<Incident> = {}): Incident {
  const now = '2026-11-18T09:59:00.000Z';
  return {
    incidentId: 'inc-test-1',
    source: 'servicenow',
    kind: 'ticket',
    externalId: 'INC0001',
    fingerprint: 'servicenow:1',
    title: 'Inventory service not responding',
    description: 'Every request times out since 09:40.',
    service: 'inventory-svc',
    reporter: 'sam.requester@example.com',
    status: 'triaged',
    priority: 'P3',
    severity: { impact: 2, urgency: 2 },
    labels: {},
    triage: {
      priority: 'P3',
      category: 'application',
      assignmentGroup: 'Application Support',
      confidence: 0.92,
      rationale: 'P3 application',
    },
    agents: {
      diagnosis: {
        status: 'ok',
        summary: 'Most likely crash-loop on inventory-svc',
        confidence: 0.8,
        hypotheses: [
          {
            rank: 1,
            component: 'inventory-svc',
            failureMode: 'crash-loop',
            confidence: 0.8,
            evidence: [{ kind: 'log', ref: 'log:inventory-svc:T1', summary: 'Back-off restarting failed container' }],
            confirm: ['inventory-svc restarts repeatedly'],
            ruleOut: ['inventory-svc has a stable uptime'],
          },
        ],
      },
    },
    timeline: [{ at: now, actor: 'intake', type: 'incident.created', summary: 'opened' }],
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
}
