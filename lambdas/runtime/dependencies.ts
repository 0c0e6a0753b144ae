import type { Itsm } from '../itsm/ticket';
import type { ApprovalStore } from '../ports/approval-store';
import type { AuditExport, AuditTrail } from '../ports/audit';
import type { Clock } from '../ports/clock';
import type { IncidentStore } from '../ports/incident-store';
import type { KnowledgeDraftStore } from '../ports/knowledge-drafts';
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
import type { FunctionAccess } from './access';

/**
 * The ports every handler may need, by the key tests and the local runtime provide them under. Handlers resolve
 * them through the typed accessors in `runtime/ports/` and pass them into pure cores.
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
  /** Draft knowledge articles awaiting review, and approved ones (the articles bucket; a folder locally). */
  knowledgeDrafts: KnowledgeDraftStore;
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
  /** Ticket write-back to ServiceNow, Jira and Zendesk (connections from the ITSM secret; recorded locally). */
  itsm: Itsm;
}

/** What the stack must give a function whose code uses a port: checked by `test/infra/function-access.test.ts`. */
export interface PortRequirement {
  /** Catalogue access the function must list; an inner list means any one of them. */
  readonly access: readonly (FunctionAccess | readonly FunctionAccess[])[];
  /** Environment variables the AWS adapter reads, which the wiring of that access sets. */
  readonly env: readonly string[];
}

/** A typed accessor of one port: `incidentStore()` returns the adapter, built on first use. */
export interface PortAccessor<T> {
  (): T;
  /** The key under which tests and the local runtime provide their own adapter. */
  readonly port: keyof Dependencies;
  readonly requires: PortRequirement;
}

const provided: Partial<Dependencies> = {};
const forgetBuilt = new Set<() => void>();

/**
 * Declares a port accessor. `build` makes the AWS adapter from the environment the stack sets; it runs once per
 * process, and only when nothing was provided for `port`. Each accessor lives in its own module under
 * `runtime/ports/`, so a handler bundles exactly the adapters whose accessors it calls.
 */
export function definePort<T>(port: keyof Dependencies, requires: PortRequirement, build: () => T): PortAccessor<T> {
  let built: T | undefined;
  forgetBuilt.add(() => {
    built = undefined;
  });
  const accessor = (): T => {
    const override = provided[port] as T | undefined;
    if (override) return override;
    built ??= build();
    return built;
  };
  return Object.assign(accessor, { port, requires });
}

/** Overrides ports (local runtime, tests). Later calls replace earlier ones port by port. */
export function provideDependencies(overrides: Partial<Dependencies>): void {
  Object.assign(provided, overrides);
}

/** Forgets provided and built ports (tests). */
export function resetDependencies(): void {
  for (const key of Object.keys(provided)) delete provided[key as keyof Dependencies];
  for (const forget of forgetBuilt) forget();
}
