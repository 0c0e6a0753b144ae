import { createHmac, timingSafeEqual } from 'node:crypto';
import { UnauthorizedError } from '../shared/errors';

/** How a source authenticates its webhooks, as that source natively does it. */
export type AuthScheme =
  /** `<header>: sha256=<hex HMAC-SHA256(secret, body)>` (ServiceNow and generic via X-Lumos-Signature; Jira via X-Hub-Signature). */
  | { kind: 'hmac-sha256-hex'; header: string }
  /** Zendesk: base64(HMAC-SHA256(secret, timestamp + body)) with a signed timestamp that must be fresh. */
  | { kind: 'zendesk'; toleranceSeconds: number }
  /** PagerDuty V3: `v1=<hex>` signatures, comma-separated during secret rotation; any match passes. */
  | { kind: 'pagerduty' }
  /** Alertmanager and Grafana: `Authorization: Bearer <secret>`. */
  | { kind: 'bearer' }
  /** Loopback-only event intake. */
  | { kind: 'none' };

export interface SignedRequest {
  body: string;
  header(name: string): string | undefined;
  now: Date;
}

/** Compares in constant time; unequal lengths compare a dummy so timing does not reveal the length either. */
export function constantTimeEquals(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  if (left.length !== right.length) {
    timingSafeEqual(left, left);
    return false;
  }
  return timingSafeEqual(left, right);
}

export const hmacHex = (secret: string, payload: string): string =>
  createHmac('sha256', secret).update(payload, 'utf8').digest('hex');

export const hmacBase64 = (secret: string, payload: string): string =>
  createHmac('sha256', secret).update(payload, 'utf8').digest('base64');

/**
 * Throws UnauthorizedError unless the request carries a valid credential for `secret` under `scheme`.
 * The message names what is wrong (missing header, stale timestamp, mismatch) but never the expected value.
 */
export function verifySignature(scheme: AuthScheme, secret: string, request: SignedRequest): void {
  switch (scheme.kind) {
    case 'none':
      return;
    case 'hmac-sha256-hex': {
      const given = request.header(scheme.header);
      if (!given) throw new UnauthorizedError(`missing ${scheme.header} header`);
      const expected = `sha256=${hmacHex(secret, request.body)}`;
      if (!constantTimeEquals(given.trim().toLowerCase(), expected)) {
        throw new UnauthorizedError(`${scheme.header} does not match the body`);
      }
      return;
    }
    case 'zendesk': {
      const given = request.header('x-zendesk-webhook-signature');
      const timestamp = request.header('x-zendesk-webhook-signature-timestamp');
      if (!given || !timestamp) {
        throw new UnauthorizedError(
          'missing X-Zendesk-Webhook-Signature or X-Zendesk-Webhook-Signature-Timestamp header',
        );
      }
      const signedAt = Date.parse(timestamp);
      if (Number.isNaN(signedAt))
        throw new UnauthorizedError('X-Zendesk-Webhook-Signature-Timestamp is not a timestamp');
      if (Math.abs(request.now.getTime() - signedAt) > scheme.toleranceSeconds * 1000) {
        throw new UnauthorizedError('X-Zendesk-Webhook-Signature-Timestamp is too old or in the future');
      }
      if (!constantTimeEquals(given.trim(), hmacBase64(secret, timestamp + request.body))) {
        throw new UnauthorizedError('X-Zendesk-Webhook-Signature does not match the body');
      }
      return;
    }
    case 'pagerduty': {
      const given = request.header('x-pagerduty-signature');
      if (!given) throw new UnauthorizedError('missing X-PagerDuty-Signature header');
      const expected = `v1=${hmacHex(secret, request.body)}`;
      const candidates = given.split(',').map((part) => part.trim().toLowerCase());
      // Check every candidate so the time taken does not depend on which one matches.
      const matches = candidates.map((candidate) => constantTimeEquals(candidate, expected));
      if (!matches.includes(true)) throw new UnauthorizedError('no X-PagerDuty-Signature matches the body');
      return;
    }
    case 'bearer': {
      const given = request.header('authorization');
      if (!given) throw new UnauthorizedError('missing Authorization header');
      const match = /^Bearer\s+(.+)$/i.exec(given.trim());
      if (!match || !constantTimeEquals(match[1]!, secret))
        throw new UnauthorizedError('Authorization bearer token is wrong');
      return;
    }
  }
}
