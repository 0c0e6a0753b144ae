import { dependency } from '../../runtime/dependencies';
import { governanceConfig } from '../governance-config';
import type { SlaDeps } from './sla-clock';

/** Resolves what the SLA clocks need from the runtime's ports, each on first use. */
export function slaDeps(): SlaDeps {
  return {
    get store() {
      return dependency('store');
    },
    get notifier() {
      return dependency('notifier');
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
    get config() {
      return governanceConfig();
    },
  };
}
