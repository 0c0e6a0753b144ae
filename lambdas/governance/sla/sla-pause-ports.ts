import { dependency } from '../../runtime/dependencies';
import type { SlaPauseDeps } from './sla-clock';

/**
 * What pausing and resuming an SLA clock needs, resolved on first use. Its own module, so a function that only
 * pauses clocks (intake) bundles, registers and is granted exactly these ports and no more.
 */
export function slaPausePorts(): SlaPauseDeps {
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
