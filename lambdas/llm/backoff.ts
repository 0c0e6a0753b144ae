/** How a throttled call is retried. */
export interface BackoffOptions {
  /** Attempts in all, the first included. @default 5 */
  readonly attempts?: number;
  /** First delay ceiling in milliseconds; doubles per attempt. @default 200 */
  readonly baseMs?: number;
  /** Largest delay in milliseconds. @default 5000 */
  readonly maxMs?: number;
  /** Which errors are worth another attempt. */
  readonly retryable: (error: unknown) => boolean;
  /** Injected in tests. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Injected in tests. @default Math.random */
  readonly random?: () => number;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `call`, retrying retryable failures with exponential backoff and full jitter (a random delay up to the
 * doubled ceiling), which spreads out many Lambdas throttled at the same moment. The last error is rethrown.
 */
export async function withBackoff<T>(call: () => Promise<T>, options: BackoffOptions): Promise<T> {
  const attempts = Math.max(1, options.attempts ?? 5);
  const base = options.baseMs ?? 200;
  const max = options.maxMs ?? 5000;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= attempts || !options.retryable(error)) throw error;
      await sleep(Math.floor(random() * Math.min(max, base * 2 ** (attempt - 1))));
    }
  }
}

/** Throttling and brief unavailability as the AWS SDK reports them (by name or HTTP status). */
export function isThrottlingError(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const { name, $metadata } = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  if (
    name === 'ThrottlingException' ||
    name === 'TooManyRequestsException' ||
    name === 'ServiceUnavailableException' ||
    name === 'ModelNotReadyException'
  ) {
    return true;
  }
  return $metadata?.httpStatusCode === 429 || $metadata?.httpStatusCode === 503;
}
