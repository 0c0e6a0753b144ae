import { auditTrail } from '../../runtime/ports/audit-trail';
import { clock } from '../../runtime/ports/clock';
import { incidentStore } from '../../runtime/ports/incident-store';
import { scheduler } from '../../runtime/ports/scheduler';
import { governanceConfig } from '../governance-config';
import type { SlaPauseDeps, SlaStartDeps } from './sla-clock';

/**
 * What pausing and resuming an SLA clock needs, resolved on first use. Its own module, so a function that only
 * pauses clocks (intake) bundles and is granted exactly these ports and no more.
 */
export function slaPausePorts(): SlaPauseDeps {
  return {
    get store() {
      return incidentStore();
    },
    get audit() {
      return auditTrail();
    },
    get scheduler() {
      return scheduler();
    },
    get clock() {
      return clock();
    },
  };
}

/** What starting an SLA clock needs (the Plan step): the pause ports and the SLA configuration. */
export function slaStartPorts(): SlaStartDeps {
  return Object.defineProperty(slaPausePorts(), 'config', {
    get: () => governanceConfig(),
    enumerable: true,
  }) as SlaStartDeps;
}
