/** The approval gate, by what a reader looks for: asking, deciding, and the timers that keep it alive. */

export { type DecisionResult, decide } from './approval-decide';
export {
  type ApprovalDeps,
  type Decision,
  type ExpireDeps,
  type GateDeps,
  type GateOutcome,
  nextTickAt,
  publicView,
  readToken,
  tickTimerId,
} from './approval-gate';
export { requestApproval, review } from './approval-request';
export { expire, tick } from './approval-timers';
