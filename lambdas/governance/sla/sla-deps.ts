import { dependency } from '../../runtime/dependencies';
import { governanceConfig } from '../governance-config';
import type { SlaDeps } from './sla-clock';

/** Resolves everything the SLA clocks need from the runtime's ports. */
export function slaDeps(): SlaDeps {
  return {
    store: dependency('store'),
    notifier: dependency('notifier'),
    audit: dependency('audit'),
    scheduler: dependency('scheduler'),
    clock: dependency('clock'),
    config: governanceConfig(),
  };
}
