import { hmacBase64, hmacHex, verifySignature } from '../../../lambdas/intake/signatures';
import { UnauthorizedError } from '../../../lambdas/shared/errors';

const secret = 's3cret';
const body = '{"hello":"wörld"}';
const now = new Date('2026-11-20T10:00:00Z');
const request = (headers: Record<string, string>) => ({
  body,
  now,
  header: (name: string) => Object.entries(headers).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1],
});

describe('webhook signature verification', () => {
  it('accepts an X-Lumos-Signature HMAC of the raw body in any case', () => {
    const scheme = { kind: 'hmac-sha256-hex', header: 'x-lumos-signature' } as const;
    expect(() =>
      verifySignature(scheme, secret, request({ 'X-Lumos-Signature': `sha256=${hmacHex(secret, body)}` })),
    ).not.toThrow();
    expect(() =>
      verifySignature(
        scheme,
        secret,
        request({ 'X-Lumos-Signature': `sha256=${hmacHex(secret, body).toUpperCase()}` }),
      ),
    ).not.toThrow();
  });

  it('rejects a missing, wrong or other-secret HMAC with a message naming the header', () => {
    const scheme = { kind: 'hmac-sha256-hex', header: 'x-hub-signature' } as const;
    expect(() => verifySignature(scheme, secret, request({}))).toThrow(/missing x-hub-signature/);
    expect(() => verifySignature(scheme, secret, request({ 'X-Hub-Signature': 'sha256=00' }))).toThrow(
      UnauthorizedError,
    );
    expect(() =>
      verifySignature(scheme, secret, request({ 'X-Hub-Signature': `sha256=${hmacHex('other', body)}` })),
    ).toThrow(/does not match/);
  });

  it('checks Zendesk signatures over timestamp + body and refuses stale timestamps', () => {
    const scheme = { kind: 'zendesk', toleranceSeconds: 300 } as const;
    const fresh = '2026-11-20T09:58:00Z';
    const stale = '2026-11-20T09:50:00Z';
    const sign = (ts: string) => ({
      'X-Zendesk-Webhook-Signature': hmacBase64(secret, ts + body),
      'X-Zendesk-Webhook-Signature-Timestamp': ts,
    });
    expect(() => verifySignature(scheme, secret, request(sign(fresh)))).not.toThrow();
    expect(() => verifySignature(scheme, secret, request(sign(stale)))).toThrow(/too old/);
  });

  it('accepts any one of several PagerDuty v1 signatures during rotation', () => {
    const scheme = { kind: 'pagerduty' } as const;
    const header = `v1=${hmacHex('old-secret', body)}, v1=${hmacHex(secret, body)}`;
    expect(() => verifySignature(scheme, secret, request({ 'X-PagerDuty-Signature': header }))).not.toThrow();
    expect(() =>
      verifySignature(scheme, secret, request({ 'X-PagerDuty-Signature': `v1=${hmacHex('old-secret', body)}` })),
    ).toThrow(UnauthorizedError);
  });

  it('accepts only the exact bearer token', () => {
    const scheme = { kind: 'bearer' } as const;
    expect(() => verifySignature(scheme, secret, request({ Authorization: `Bearer ${secret}` }))).not.toThrow();
    expect(() => verifySignature(scheme, secret, request({ Authorization: `Bearer ${secret}x` }))).toThrow(/wrong/);
    expect(() => verifySignature(scheme, secret, request({ Authorization: `Basic ${secret}` }))).toThrow(/wrong/);
  });
});
