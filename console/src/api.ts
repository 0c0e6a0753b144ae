import type { Session } from './auth';

/** The API answered with an error body (`{"error": {code, message, field?}}`). */
export class ApiError extends Error {
  override readonly name: string = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** The route does not exist in this deployment (an API not built or not deployed yet). */
export class ApiUnavailableError extends ApiError {
  override readonly name = 'ApiUnavailableError';
}

/**
 * A route that is not there answers 404 "no route" locally, and 403 MISSING_AUTHENTICATION_TOKEN from API
 * Gateway; a resource that is not there answers 404 with another message.
 */
function isMissingRoute(status: number, code: string, message: string): boolean {
  return (
    (status === 404 && /^no route/.test(message)) ||
    (status === 403 && code === 'MISSING_AUTHENTICATION_TOKEN') ||
    status === 501
  );
}

/** A small JSON client for the Lumos API: the session's credentials, named errors, no retries hidden inside. */
export class Api {
  constructor(
    private readonly base: string,
    private readonly session: Session,
  ) {}

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    const authorization = this.session.authorization();
    if (authorization) headers.authorization = authorization;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(`${this.base}${path}`, {
        method,
        headers,
        cache: 'no-store',
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (error) {
      throw new ApiError(0, 'network', `the API is not reachable (${(error as Error).message})`);
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!response.ok) {
      const error =
        (parsed as { error?: { code?: string; message?: string; field?: string }; message?: string } | undefined) ?? {};
      const code = error.error?.code ?? `http_${response.status}`;
      const message = error.error?.message ?? error.message ?? response.statusText;
      const Kind = isMissingRoute(response.status, code, message) ? ApiUnavailableError : ApiError;
      throw new Kind(response.status, code, message, error.error?.field);
    }
    return parsed as T;
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  /** Like `get`, but undefined when the route is not deployed, so a view can say so instead of failing. */
  async optional<T>(path: string): Promise<T | undefined> {
    try {
      return await this.get<T>(path);
    } catch (error) {
      if (error instanceof ApiUnavailableError) return undefined;
      throw error;
    }
  }
}
