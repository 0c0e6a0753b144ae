import { notifier } from '../../runtime/ports/notifier';
import { governanceConfig } from '../governance-config';
import type { SlaDeps } from './sla-clock';
import { slaPausePorts } from './sla-pause-ports';

/** Resolves what the SLA clocks need from the runtime's ports, each on first use: the pause ports plus these. */
export function slaDeps(): SlaDeps {
  return Object.defineProperties(slaPausePorts(), {
    notifier: { get: () => notifier(), enumerable: true },
    config: { get: () => governanceConfig(), enumerable: true },
  }) as SlaDeps;
}
