/** `/console/config.json`: written by the local runtime, or by the stack at deployment. */
export interface ConsoleConfig {
  /** Prefix of API paths; empty when the API is served from the console's own origin (locally, and via CloudFront). */
  apiBase: string;
  stage: string;
  auth:
    | { type: 'none' }
    | {
        type: 'cognito';
        /** Hosted UI base, e.g. `https://lumos-prod.auth.eu-west-1.amazoncognito.com`. */
        domain: string;
        clientId: string;
        /** Where Cognito sends people back after sign-in, e.g. `https://d123.cloudfront.net/console/`. */
        redirectUri: string;
      };
  /** The notifications outbox (`GET /notifications`) exists: locally, people's inboxes are readable. */
  notifications: boolean;
}

const FALLBACK: ConsoleConfig = { apiBase: '', stage: 'local', auth: { type: 'none' }, notifications: false };

/** Loads the configuration next to the console; without one the console assumes the API on its own origin. */
export async function loadConfig(): Promise<ConsoleConfig> {
  try {
    const response = await fetch('/console/config.json', { cache: 'no-store' });
    if (!response.ok) return FALLBACK;
    return { ...FALLBACK, ...((await response.json()) as Partial<ConsoleConfig>) };
  } catch {
    return FALLBACK;
  }
}
