import { dependency } from '../runtime/dependencies';

/**
 * What intake needs to pause or resume an incident's SLA clock, resolved on first use: only a ticket whose
 * waiting-on-customer status changes touches it, so other deliveries never build these adapters.
 */
export function slaPorts() {
  return {
    get store() {
      return dependency('store');
    },
    get audit() {
      return dependency('audit');
    },
    get scheduler() {
      return dependency('scheduler');
    },
    get clock() {
      return dependency('clock');
    },
  };
}
