import * as z from 'zod';
import { ItsmAuthError, ItsmUnavailableError } from './itsm-errors';
import type { ItsmSource } from './ticket';

/**
 * How Lumos authenticates to an ITSM tool, as stored in Secrets Manager (one JSON value per tool):
 * - `basic`: user and password (ServiceNow integration user);
 * - `api-token`: e-mail and API token (Jira Cloud: `email:token`; Zendesk: `email/token:token`), sent as Basic;
 * - `bearer`: an OAuth access token issued elsewhere;
 * - `oauth-client-credentials`: client id and secret exchanged at `tokenUrl` (ServiceNow `oauth_token.do`, Zendesk);
 * - `oauth-refresh-token`: a refresh token exchanged at `tokenUrl` (Jira Cloud 3LO through `auth.atlassian.com`).
 */
export const ItsmCredentials = z.discriminatedUnion('type', [
  z.object({ type: z.literal('basic'), username: z.string().min(1), password: z.string().min(1) }),
  z.object({ type: z.literal('api-token'), email: z.string().min(1), token: z.string().min(1) }),
  z.object({ type: z.literal('bearer'), token: z.string().min(1) }),
  z.object({
    type: z.literal('oauth-client-credentials'),
    tokenUrl: z.url(),
    clientId: z.string().min(1),
    clientSecret: z.string().min(1),
    scope: z.string().optional(),
  }),
  z.object({
    type: z.literal('oauth-refresh-token'),
    tokenUrl: z.url(),
    clientId: z.string().min(1),
    clientSecret: z.string().min(1),
    refreshToken: z.string().min(1),
  }),
]);
export type ItsmCredentials = z.infer<typeof ItsmCredentials>;

/** Where a tool lives and how to sign in: the secret's value for one tool. */
export const ItsmConnection = z.object({
  /** `https://<instance>.service-now.com`, `https://<site>.atlassian.net` (or `https://api.atlassian.com/ex/jira/<cloudId>`), `https://<sub>.zendesk.com`. */
  baseUrl: z.url(),
  credentials: ItsmCredentials,
});
export type ItsmConnection = z.infer<typeof ItsmConnection>;

/** Parses a secret value (JSON text or an already-parsed object), naming what is wrong without echoing secrets. */
export function parseConnection(source: ItsmSource, value: unknown): ItsmConnection {
  let raw = value;
  if (typeof value === 'string') {
    try {
      raw = JSON.parse(value);
    } catch {
      throw new ItsmAuthError(`the ${source} connection secret is not JSON`);
    }
  }
  const parsed = ItsmConnection.safeParse(raw);
  if (!parsed.success) {
    const where = parsed.error.issues.map((i) => i.path.join('.') || '(root)').join(', ');
    throw new ItsmAuthError(`the ${source} connection secret is invalid at: ${where}`);
  }
  return parsed.data;
}

type Fetch = typeof fetch;

/** Refresh this long before the token says it expires, so a request never starts with a token about to lapse. */
const EXPIRY_MARGIN_MS = 60_000;

/**
 * Produces the Authorization header for one tool; OAuth tokens are fetched on first use, cached until shortly before
 * they expire, and dropped when the tool answers 401 so the next attempt signs in again.
 */
export class Authorizer {
  private token?: { value: string; expiresAt: number };

  constructor(
    private readonly source: ItsmSource,
    private readonly credentials: ItsmCredentials,
    private readonly fetchImpl: Fetch = fetch,
    private readonly now: () => number = Date.now,
  ) {}

  async header(): Promise<string> {
    const c = this.credentials;
    switch (c.type) {
      case 'basic':
        return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
      case 'api-token': {
        const user = this.source === 'zendesk' ? `${c.email}/token` : c.email;
        return `Basic ${Buffer.from(`${user}:${c.token}`).toString('base64')}`;
      }
      case 'bearer':
        return `Bearer ${c.token}`;
      default:
        return `Bearer ${await this.oauthToken()}`;
    }
  }

  /** Forgets a cached OAuth token (after a 401). */
  invalidate(): void {
    this.token = undefined;
  }

  /** Whether a 401 could be cured by fetching a fresh token. */
  get refreshable(): boolean {
    return this.credentials.type === 'oauth-client-credentials' || this.credentials.type === 'oauth-refresh-token';
  }

  private async oauthToken(): Promise<string> {
    if (this.token && this.token.expiresAt > this.now()) return this.token.value;
    const c = this.credentials;
    // RFC 6749 token requests are form-encoded; ServiceNow, Zendesk and Atlassian all accept that.
    const form = new URLSearchParams();
    if (c.type === 'oauth-client-credentials') {
      form.set('grant_type', 'client_credentials');
      if (c.scope) form.set('scope', c.scope);
    } else if (c.type === 'oauth-refresh-token') {
      form.set('grant_type', 'refresh_token');
      form.set('refresh_token', c.refreshToken);
    }
    if (c.type === 'oauth-client-credentials' || c.type === 'oauth-refresh-token') {
      form.set('client_id', c.clientId);
      form.set('client_secret', c.clientSecret);
      let response: Response;
      try {
        response = await this.fetchImpl(c.tokenUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
          body: form.toString(),
          signal: AbortSignal.timeout(10_000),
        });
      } catch (error) {
        // Nothing was written yet: an unreachable token endpoint is worth a retry, not a person.
        throw new ItsmUnavailableError(`${this.source} token endpoint unreachable: ${(error as Error).message}`);
      }
      if (response.status === 429 || response.status >= 500) {
        throw new ItsmUnavailableError(`${this.source} token endpoint answered ${response.status}`, response.status);
      }
      if (!response.ok) throw new ItsmAuthError(`${this.source} token endpoint answered ${response.status}`);
      const body = (await response.json().catch(() => ({}))) as { access_token?: unknown; expires_in?: unknown };
      if (typeof body.access_token !== 'string')
        throw new ItsmAuthError(`${this.source} token endpoint returned no access_token`);
      const lifetime = typeof body.expires_in === 'number' ? body.expires_in * 1000 : 3600_000;
      this.token = { value: body.access_token, expiresAt: this.now() + Math.max(0, lifetime - EXPIRY_MARGIN_MS) };
      return body.access_token;
    }
    throw new ItsmAuthError(`${this.source}: credentials of type ${c.type} carry no OAuth grant`);
  }
}
