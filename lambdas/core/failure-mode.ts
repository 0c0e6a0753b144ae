/**
 * The closed list of ways a component fails that Lumos diagnoses and runbooks declare they remediate (`remediates`);
 * one definition, kept with the runbook schema.
 */
export { FAILURE_MODES, FailureMode } from '../governance/runbooks/failure-modes';
