import type { Authorizer } from './credentials';
import { AmbiguousWriteError, ItsmAuthError, ItsmRejectedError, ItsmUnavailableError } from './itsm-errors';
import type { ItsmSource, VendorCall } from './ticket';

type Fetch = typeof fetch;

export interface VendorHttpOptions {
  source: ItsmSource;
  baseUrl: string;
  authorizer: Authorizer;
  fetchImpl?: Fetch;
  sleep?: (ms: number) => Promise<void>;
  /** Attempts per request, the first included. @default 4 */
  maxAttempts?: number;
  /**
   * Longest total wait (Retry-After and backoff) one request may spend before it gives up and leaves the retry to
   * the state machine, which waits without holding a Lambda. @default 20 000
   */
  maxWaitMs?: number;
  /** Per-attempt timeout. @default 10 000 */
  timeoutMs?: number;
}

export interface VendorRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH';
  /** Path (and query) below the base URL, starting with `/`. */
  path: string;
  body?: unknown;
  /**
   * Whether sending it twice has the same effect as once (GET, PUT/PATCH of fields). A non-idempotent request
   * (posting a comment) is never re-sent blindly after an unclear failure: the caller checks the ticket first.
   */
  idempotent: boolean;
}

export interface VendorResponse {
  status: number;
  body: unknown;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The wait a 429/503 asks for: `Retry-After` in seconds or as an HTTP date. Undefined when absent or unreadable.
 * Exported for tests.
 */
export function retryAfterMs(value: string | null, now: number = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** A short, secret-free description of a vendor error body (ServiceNow `error.message`, Jira `errorMessages`, Zendesk `description`). */
function vendorDetail(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return typeof body === 'string' ? body.slice(0, 300) : undefined;
  const b = body as Record<string, unknown>;
  const parts: string[] = [];
  const error = b.error;
  if (error && typeof error === 'object') {
    const e = error as Record<string, unknown>;
    for (const key of ['message', 'detail', 'title']) if (typeof e[key] === 'string') parts.push(e[key] as string);
  } else if (typeof error === 'string') parts.push(error);
  if (Array.isArray(b.errorMessages)) parts.push(...b.errorMessages.filter((m): m is string => typeof m === 'string'));
  if (b.errors && typeof b.errors === 'object') parts.push(JSON.stringify(b.errors));
  if (typeof b.description === 'string') parts.push(b.description);
  if (b.details && typeof b.details === 'object') parts.push(JSON.stringify(b.details));
  return parts.join('; ').slice(0, 300) || undefined;
}

/**
 * HTTP to one ITSM tool: authentication, JSON, timeouts, and the retry rules that keep writes exactly-once:
 * - 429 is retried after its `Retry-After` (the vendor did not process the request), whatever the method;
 * - 5xx and network failures are retried only for idempotent requests; for the rest they surface as
 *   {@link AmbiguousWriteError}, because the request may have landed;
 * - a 401 with OAuth credentials fetches a new token once; 401/403 otherwise is {@link ItsmAuthError};
 * - other 4xx are {@link ItsmRejectedError}, with the vendor's own error text.
 */
export class VendorHttp {
  private readonly fetchImpl: Fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly base: string;

  constructor(private readonly options: VendorHttpOptions) {
    this.fetchImpl = options.fetchImpl ?? fetch;
    this.sleep = options.sleep ?? defaultSleep;
    this.base = options.baseUrl.replace(/\/+$/, '');
  }

  get source(): ItsmSource {
    return this.options.source;
  }

  /** Sends one request; every attempt is appended to `calls`. */
  async request(request: VendorRequest, calls: VendorCall[]): Promise<VendorResponse> {
    const maxAttempts = this.options.maxAttempts ?? 4;
    const maxWaitMs = this.options.maxWaitMs ?? 20_000;
    const what = `${this.options.source} ${request.method} ${request.path.split('?')[0]}`;
    let waited = 0;
    let reauthenticated = false;
    for (let attempt = 1; ; attempt++) {
      // Signing in happens before anything is sent, so its failures are never ambiguous.
      const authorization = await this.options.authorizer.header();
      const started = Date.now();
      let response: Response;
      try {
        response = await this.fetchImpl(`${this.base}${request.path}`, {
          method: request.method,
          headers: {
            authorization,
            accept: 'application/json',
            ...(request.body !== undefined ? { 'content-type': 'application/json' } : {}),
            'user-agent': 'Lumos-ITSM-Connector/1.0',
          },
          ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
          signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
        });
      } catch (error) {
        calls.push({
          method: request.method,
          path: request.path,
          status: 0,
          attempt,
          durationMs: Date.now() - started,
        });
        const reason = `${what} failed: ${(error as Error).message}`;
        if (!request.idempotent) throw new AmbiguousWriteError(reason);
        const wait = Math.min(1000 * 2 ** (attempt - 1), 8000);
        if (attempt >= maxAttempts || waited + wait > maxWaitMs) throw new ItsmUnavailableError(reason);
        waited += wait;
        await this.sleep(wait);
        continue;
      }
      const text = await response.text();
      let body: unknown = text;
      if (text) {
        try {
          body = JSON.parse(text);
        } catch {
          // A proxy's HTML error page: keep the text for the error message.
        }
      } else body = null;
      calls.push({
        method: request.method,
        path: request.path,
        status: response.status,
        attempt,
        durationMs: Date.now() - started,
      });
      if (response.ok) return { status: response.status, body };

      const status = response.status;
      if (status === 429 || (status >= 500 && request.idempotent)) {
        const wait = retryAfterMs(response.headers.get('retry-after')) ?? Math.min(1000 * 2 ** (attempt - 1), 8000);
        if (attempt >= maxAttempts || waited + wait > maxWaitMs) {
          throw new ItsmUnavailableError(
            `${what}: ${status === 429 ? 'rate limited' : `answered ${status}`} after ${attempt} attempt(s)${status === 429 ? `; asked to wait ${wait} ms more` : ''}`,
            status,
          );
        }
        waited += wait;
        await this.sleep(wait);
        continue;
      }
      if (status >= 500)
        throw new AmbiguousWriteError(`${what} answered ${status}; it may or may not have been applied`, status);
      if (status === 401 && this.options.authorizer.refreshable && !reauthenticated) {
        reauthenticated = true;
        this.options.authorizer.invalidate();
        continue;
      }
      if (status === 401 || status === 403)
        throw new ItsmAuthError(`${what} answered ${status}: check the integration user's credentials and roles`);
      throw new ItsmRejectedError(
        `${what} answered ${status}${vendorDetail(body) ? `: ${vendorDetail(body)}` : ''}`,
        status,
        vendorDetail(body),
      );
    }
  }
}
