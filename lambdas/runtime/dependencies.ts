import type { Itsm } from '../itsm/ticket';
import type { ApprovalStore } from '../ports/approval-store';
import type { AuditExport, AuditTrail } from '../ports/audit';
import type { Clock } from '../ports/clock';
import { systemClock } from '../ports/clock';
import type { IncidentStore } from '../ports/incident-store';
import type { Embedder, KnowledgeIndex } from '../ports/knowledge-index';
import type { KnowledgeIndexWriter, KnowledgeSource } from '../ports/knowledge-sync';
import type { LanguageModel } from '../ports/llm';
import type { LogSource } from '../ports/logs';
import type { Notifier } from '../ports/notifier';
import type { RawArchive } from '../ports/raw-archive';
import type { RunbookExecutor } from '../ports/runbook-executor';
import type { Scheduler } from '../ports/scheduler';
import type { SecretProvider } from '../ports/secrets';
import type { TopologySource } from '../ports/topology';
import type { TriageModelStore } from '../ports/triage-model';
import type { Workflow } from '../ports/workflow';

/**
 * The ports every handler may need. Handlers resolve them here and pass them into pure cores.
 *
 * In Lambda, each port gets its AWS adapter, built lazily from environment variables the stack sets. The local
 * runtime calls {@link provideDependencies} once at start-up with its own adapters for services that cannot run
 * on one machine; DynamoDB and Step Functions keep their AWS adapters and only their endpoints differ.
 */
export interface Dependencies {
  store: IncidentStore;
  approvals: ApprovalStore;
  workflow: Workflow;
  secrets: SecretProvider;
  archive: RawArchive;
  knowledge: KnowledgeIndex;
  embedder: Embedder;
  notifier: Notifier;
  clock: Clock;
  // --- agents (LLM, logs, topology, triage model, knowledge sync) ---
  /** Structured-output language model (Bedrock; a deterministic stand-in locally). */
  llm: LanguageModel;
  /** Logs of a service over a window (CloudWatch Logs Insights; a folder locally). */
  logs: LogSource;
  /** Service graph and change history (DynamoDB; a JSON file locally). */
  topology: TopologySource;
  /** The triage classifier trained from resolved incidents, if any. */
  triageModel: TriageModelStore;
  /** Write side of the search index, for the knowledge sync. */
  knowledgeWriter: KnowledgeIndexWriter;
  /** Where the knowledge sync reads articles from. */
  knowledgeSources: KnowledgeSource[];
  // --- end agents ---
  // --- governance (approvals, SLA clocks, runbooks, audit) ---
  /** Append-only, hash-chained audit trail (its own DynamoDB table). */
  audit: AuditTrail;
  /** The write-once copy of the audit trail (S3 Object Lock; a folder locally). */
  auditExport: AuditExport;
  /** One-time timers (EventBridge Scheduler; a persisted timer table locally). */
  scheduler: Scheduler;
  /** Runs runbook steps (SSM Automation, Lambda, HTTP; local targets and a sandbox locally). */
  runbookExecutor: RunbookExecutor;
  /** HMAC keys of approval links: `signingKey`, and `previousSigningKey` during a rotation. */
  approvalLinkKeys: SecretProvider;
  // --- end governance ---
  /** Ticket write-back to ServiceNow, Jira and Zendesk (connections from the ITSM secret; recorded locally). */
  itsm: Itsm;
}

type Factories = { [K in keyof Dependencies]: () => Dependencies[K] };

const provided: Partial<Dependencies> = {};
const built: Partial<Dependencies> = {};
let factories: Partial<Factories> = {};

/**
 * Registers how ports are built in Lambda; called on import by the modules under `runtime/aws/` (one per port
 * group), which each handler imports for exactly the ports it resolves.
 */
export function registerFactories(next: Partial<Factories>): void {
  factories = { ...factories, ...next };
}

/** The ports that have a registered factory (tests and diagnostics). */
export function registeredPorts(): (keyof Dependencies)[] {
  return Object.keys(factories) as (keyof Dependencies)[];
}

/** Overrides ports (local runtime, tests). Later calls replace earlier ones port by port. */
export function provideDependencies(overrides: Partial<Dependencies>): void {
  Object.assign(provided, overrides);
}

/** Forgets provided and built ports (tests). */
export function resetDependencies(): void {
  for (const key of Object.keys(provided)) delete provided[key as keyof Dependencies];
  for (const key of Object.keys(built)) delete built[key as keyof Dependencies];
}

/** Resolves one port: a provided adapter wins, else the registered factory builds (once) the AWS adapter. */
export function dependency<K extends keyof Dependencies>(key: K): Dependencies[K] {
  const override = provided[key];
  if (override) return override;
  const cached = built[key];
  if (cached) return cached;
  if (key === 'clock') return systemClock as Dependencies[K];
  const factory = factories[key];
  if (!factory) {
    throw new Error(
      `no adapter configured for port '${key}': the handler must import its registration from lambdas/runtime/aws/`,
    );
  }
  const instance = factory();
  built[key] = instance;
  return instance;
}
