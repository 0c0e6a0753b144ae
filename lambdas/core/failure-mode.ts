import { z } from 'zod';

/**
 * The closed list of ways a component fails that Lumos diagnoses, and that runbooks declare they remediate
 * (`remediates` in the runbook YAML). Part of the incident outcome contract.
 */
export const FailureMode = z.enum([
  'bad-deployment',
  'config-change',
  'disk-exhaustion',
  'memory-exhaustion',
  'connection-exhaustion',
  'cpu-exhaustion',
  'dependency-failure',
  'crash-loop',
  'certificate-expiry',
  'credential-expiry',
  'throttling',
  'network',
  'unknown',
]);
export type FailureMode = z.infer<typeof FailureMode>;
