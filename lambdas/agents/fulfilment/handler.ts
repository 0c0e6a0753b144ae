import type { Incident } from '../../core/incident';
import { stepActor } from '../../function-catalogue';
import { serviceOf } from '../../governance/governance-config';
import { governancePolicy } from '../../governance/policy/governance-policy';
import { resolveParameters, runbookCatalogue, runbookRisk } from '../../governance/runbooks/runbook-catalogue';
import { runRunbook } from '../../governance/runbooks/runbook-runner';
import { agentStep } from '../../runtime/agent-step';
import { auditTrail } from '../../runtime/ports/audit-trail';
import { clock as clockPort } from '../../runtime/ports/clock';
import { incidentStore } from '../../runtime/ports/incident-store';
import { runbookExecutor } from '../../runtime/ports/runbook-executor';
import { topology } from '../../runtime/ports/topology';
import { type FulfilmentDeps, type FulfilmentResult, fulfilRequest } from './core';
import { requestFacts } from './request-facts';
import { serviceCatalogue } from './service-catalogue';

/** The actor of this step's timeline entries and audit records (see the function catalogue). */
const FULFILMENT = stepActor('Fulfilment');

/** Final results are kept: a retried step returns them instead of fulfilling again. */
const FINAL = new Set([
  'fulfilled',
  'failed',
  'interrupted',
  'refused',
  'needs_approval',
  'needs_information',
  'runbook_missing',
  'not_a_request',
]);

/** A run longer than this without finishing is presumed dead; it is never re-run automatically either way. */
const RUN_LEASE_SECONDS = 900;

function governedDeps(incident: Incident): FulfilmentDeps {
  const runbooks = runbookCatalogue();
  const policy = governancePolicy();
  const store = incidentStore();
  const clock = clockPort();
  const priority = incident.triage?.priority ?? incident.priority;
  return {
    runbook(id) {
      const loaded = runbooks.get(id);
      return loaded ? { id, version: loaded.version, risk: runbookRisk(loaded.runbook) } : undefined;
    },
    parameters(id, values, service) {
      const { runbook } = runbooks.get(id)!;
      // Catalogue values stand in as defaults, so the runbook's own patterns still check every one of them.
      const parameters = Object.fromEntries(
        Object.entries(runbook.parameters).map(([name, p]) =>
          values[name] === undefined ? [name, p] : [name, { ...p, from: undefined, default: values[name] }],
        ),
      );
      return resolveParameters({ ...runbook, parameters }, incident, serviceOf(policy.config, service));
    },
    evaluate(runbook, service, confidence) {
      const verdict = policy.evaluate(
        { actionType: 'run-runbook', declaredRisk: runbook.risk, service },
        { priority, confidence },
        { at: clock.now(), phase: 'execute', approved: false },
      );
      return {
        allowed: verdict.allowed,
        autonomous: verdict.autonomous,
        because: [...verdict.because.execute, ...verdict.because.autonomously]
          .filter((p) => p.effect === 'forbid')
          .map((p) => p.reason),
      };
    },
    async runOnce(id, parameters) {
      const ledger = `fulfil:${incident.incidentId}`;
      const claim = await store.claimDelivery(ledger, { now: clock.now(), leaseSeconds: RUN_LEASE_SECONDS });
      if (!claim.claimed) {
        if (claim.record.state === 'done')
          return { status: claim.record.status ?? 'succeeded', summary: 'completed by an earlier attempt', steps: 0 };
        return 'interrupted';
      }
      if (claim.attempt > 1) return 'interrupted';
      const run = await runRunbook(runbooks.get(id)!.runbook, parameters, runbookExecutor(), {
        dryRun: false,
      });
      await store.completeDelivery(ledger, { incidentId: incident.incidentId, status: run.status });
      await auditTrail()
        .append(incident.incidentId, {
          type: 'action.executed',
          actor: `agent:${FULFILMENT}`,
          summary: `runbook ${id} for a catalogue request: ${run.status}`,
          data: { runbookId: id, parameters, run },
        })
        .catch(() => undefined);
      return { status: run.status, summary: run.summary, steps: run.outcomes.filter((o) => !o.skipped).length };
    },
  };
}

/** The service graph's components, for their owners; without a readable graph the facts keep their team. */
async function graphNodes() {
  try {
    return (await topology().topology()).nodes;
  } catch {
    return [];
  }
}

/**
 * Workflow step `Fulfil` (request fulfilment agent): a ticket that asks for a service catalogue item is fulfilled
 * by the item's runbook when the governance policy lets it run without a person; otherwise the reason is recorded
 * and the handoff agent gives it to a person. A recognised request's facts name the service the item acts on and its
owning team. Kept under `agents.fulfilment`; the state machine reads `status`.
 */
export const handler = agentStep({
  step: 'Fulfilment',
  work: async (incident) => {
    const known = incident.agents.fulfilment as FulfilmentResult | undefined;
    const catalogue = serviceCatalogue();
    const result =
      known && FINAL.has(known.status) ? known : await fulfilRequest(incident, catalogue, governedDeps(incident));
    const item = result.itemId ? catalogue.items.find((i) => i.id === result.itemId) : undefined;
    const nodes = item ? await graphNodes() : [];
    const facts = item
      ? requestFacts(incident.facts, item, nodes.find((n) => n.id === item.service)?.owner)
      : undefined;
    return {
      ...(facts ? { set: { facts } } : {}),
      result: { ...result },
      summary: result.summary,
      data: { status: result.status, itemId: result.itemId ?? null },
      output: { status: result.status, itemId: result.itemId ?? null },
      method: 'catalogue-policy',
    };
  },
});
