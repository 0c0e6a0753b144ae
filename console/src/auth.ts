import type { ConsoleConfig } from './config';

/** Who is using the console and how requests prove it. */
export interface Session {
  kind: 'none' | 'cognito';
  /** The signed-in user (Cognito), or locally whoever the operator says they are (approval links are personal). */
  identity(): string | undefined;
  /** Locally only: the operator names themselves. */
  setIdentity?(identity: string): void;
  /** `Authorization` header value for API calls, if any. */
  authorization(): string | undefined;
  signOut?(): void;
}

const IDENTITY_KEY = 'lumos.identity';
const TOKENS_KEY = 'lumos.tokens';
const PKCE_KEY = 'lumos.pkce';

interface Tokens {
  idToken: string;
  expiresAt: number;
}

const base64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

const randomString = () => base64url(crypto.getRandomValues(new Uint8Array(32)));

function claimsOf(jwt: string): Record<string, unknown> {
  const payload = jwt.split('.')[1] ?? '';
  const binary = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
  const json = new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
  return JSON.parse(json) as Record<string, unknown>;
}

function localSession(): Session {
  return {
    kind: 'none',
    identity: () => localStorage.getItem(IDENTITY_KEY) ?? undefined,
    setIdentity: (identity) => {
      if (identity.trim()) localStorage.setItem(IDENTITY_KEY, identity.trim());
      else localStorage.removeItem(IDENTITY_KEY);
    },
    authorization: () => undefined,
  };
}

/**
 * Signs in with the Cognito hosted UI (authorization code with PKCE, no client secret in the browser) and keeps the
 * ID token for this tab only; API Gateway's Cognito authorizer checks it. Resolves undefined while the browser is
 * being sent to sign in.
 */
async function cognitoSession(auth: Extract<ConsoleConfig['auth'], { type: 'cognito' }>): Promise<Session | undefined> {
  const url = new URL(location.href);
  const code = url.searchParams.get('code');
  if (code) {
    const pkce = JSON.parse(sessionStorage.getItem(PKCE_KEY) ?? '{}') as {
      verifier?: string;
      state?: string;
      hash?: string;
    };
    sessionStorage.removeItem(PKCE_KEY);
    if (!pkce.verifier || pkce.state !== url.searchParams.get('state'))
      throw new Error('sign-in answer does not match the request; try again');
    const response = await fetch(`${auth.domain}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: auth.clientId,
        code,
        redirect_uri: auth.redirectUri,
        code_verifier: pkce.verifier,
      }),
    });
    if (!response.ok) throw new Error(`sign-in failed (${response.status})`);
    const body = (await response.json()) as { id_token: string; expires_in: number };
    const tokens: Tokens = { idToken: body.id_token, expiresAt: Date.now() + body.expires_in * 1000 };
    sessionStorage.setItem(TOKENS_KEY, JSON.stringify(tokens));
    history.replaceState(null, '', `${auth.redirectUri}${pkce.hash ?? ''}`);
  }
  const tokens = JSON.parse(sessionStorage.getItem(TOKENS_KEY) ?? 'null') as Tokens | null;
  if (!tokens || tokens.expiresAt < Date.now() + 60_000) {
    const verifier = randomString();
    const state = randomString();
    const challenge = base64url(
      new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))),
    );
    sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state, hash: location.hash }));
    const authorize = new URL(`${auth.domain}/oauth2/authorize`);
    authorize.search = new URLSearchParams({
      response_type: 'code',
      client_id: auth.clientId,
      redirect_uri: auth.redirectUri,
      scope: 'openid email profile',
      code_challenge_method: 'S256',
      code_challenge: challenge,
      state,
    }).toString();
    location.assign(authorize.toString());
    return undefined;
  }
  const claims = claimsOf(tokens.idToken);
  return {
    kind: 'cognito',
    identity: () => String(claims.email ?? claims['cognito:username'] ?? ''),
    authorization: () => tokens.idToken,
    signOut: () => {
      sessionStorage.removeItem(TOKENS_KEY);
      const logout = new URL(`${auth.domain}/logout`);
      logout.search = new URLSearchParams({ client_id: auth.clientId, logout_uri: auth.redirectUri }).toString();
      location.assign(logout.toString());
    },
  };
}

/** The session for this configuration; undefined while redirecting to sign in. */
export async function startSession(config: ConsoleConfig): Promise<Session | undefined> {
  return config.auth.type === 'cognito' ? cognitoSession(config.auth) : localSession();
}
