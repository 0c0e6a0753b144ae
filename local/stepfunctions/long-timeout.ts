/** Longest delay setTimeout honours; beyond it Node fires after 1 ms instead. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Calls `fn` after `ms`, however long (Step Functions timeouts go up to a year), by re-arming timers.
 * Returns a function that cancels it.
 */
export function setLongTimeout(fn: () => void, ms: number): () => void {
  const dueAt = Date.now() + ms;
  let timer: NodeJS.Timeout;
  const arm = () => {
    const remaining = dueAt - Date.now();
    timer = remaining > MAX_TIMER_MS ? setTimeout(arm, MAX_TIMER_MS) : setTimeout(fn, Math.max(0, remaining));
  };
  arm();
  return () => clearTimeout(timer);
}
