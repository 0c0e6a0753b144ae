import * as z from 'zod';

/**
 * The failure modes a diagnosis names (the incident outcome contract) and runbooks declare they fix
 * (`remediates`), so the plan maps a diagnosis to a runbook by data rather than by words in the ticket.
 */
export const FAILURE_MODES = [
  'bad-deployment',
  'config-change',
  'disk-exhaustion',
  'memory-exhaustion',
  'connection-exhaustion',
  'cpu-exhaustion',
  'dependency-failure',
  'unresponsive',
  'crash-loop',
  'certificate-expiry',
  'credential-expiry',
  'throttling',
  'network',
  'unknown',
] as const;

export const FailureMode = z.enum(FAILURE_MODES);
export type FailureMode = z.infer<typeof FailureMode>;
