/**
 * An AWS SDK client built on first use. Each client package the runtime loads at import adds about 20-40 ms to a
 * cold start; a client that only some invocations need (runbook steps, notifications, timers) is better loaded by
 * `await import()` when one of them first asks for it.
 */
export type LazyClient<C> = () => Promise<C>;

/**
 * A {@link LazyClient}: `given` when a caller (a test) passes its own client, else `create()` once, on first call.
 * A failed creation is not remembered, so the next call tries again.
 */
export function lazyClient<C>(given: C | undefined, create: () => Promise<C>): LazyClient<C> {
  if (given !== undefined) return () => Promise.resolve(given);
  let client: Promise<C> | undefined;
  return () => {
    client ??= create().catch((error: unknown) => {
      client = undefined;
      throw error;
    });
    return client;
  };
}
