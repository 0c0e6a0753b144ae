import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';

/** What a link token binds: one approval, one approver, one exact action, one stage, until it expires. */
export interface LinkClaims {
  /** Approval id. */
  a: string;
  /** The approver the link was sent to. */
  p: string;
  /** The action hash the approver is shown and decides on. */
  h: string;
  /** Approval stage (0 = first group, 1.. = fallback groups). */
  s: number;
  /** Expiry, epoch seconds: the end of the stage's window. */
  exp: number;
  /** Token id (random), recorded when used: each token decides once. */
  n: string;
}

const Claims = z.object({
  a: z.string().min(1),
  p: z.string().min(1),
  h: z.string().regex(/^[0-9a-f]{64}$/),
  s: z.number().int().min(0),
  exp: z.number().int().positive(),
  n: z.string().min(16),
});

/** The token is not one we issued (malformed, or the signature does not match). */
export class InvalidLinkTokenError extends Error {
  override readonly name = 'InvalidLinkTokenError';
}

const sign = (key: string, payload: string) => createHmac('sha256', key).update(payload, 'utf8').digest();

/** `base64url(claims).base64url(HMAC-SHA256(key, that))`: short enough for a URL, opaque to the reader. */
export function mintLinkToken(key: string, claims: Omit<LinkClaims, 'n'> & { n?: string }): string {
  const full: LinkClaims = { ...claims, n: claims.n ?? randomBytes(12).toString('base64url') };
  const payload = Buffer.from(JSON.stringify(full), 'utf8').toString('base64url');
  return `${payload}.${sign(key, payload).toString('base64url')}`;
}

/**
 * Checks a token's signature against the current key and, during a rotation, the previous one, in constant time.
 * Expiry is not checked here: an expired link deserves a 410 that names the request, not a 401.
 */
export function verifyLinkToken(token: string, keys: readonly string[]): LinkClaims {
  const [payload, signature, extra] = token.split('.');
  if (!payload || !signature || extra !== undefined) throw new InvalidLinkTokenError('malformed approval token');
  const given = Buffer.from(signature, 'base64url');
  const valid = keys.some((key) => {
    const expected = sign(key, payload);
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
  if (!valid) throw new InvalidLinkTokenError('approval token signature does not match');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidLinkTokenError('malformed approval token');
  }
  const claims = Claims.safeParse(parsed);
  if (!claims.success) throw new InvalidLinkTokenError('malformed approval token');
  return claims.data;
}
