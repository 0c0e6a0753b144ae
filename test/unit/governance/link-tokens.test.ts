import {
  InvalidLinkTokenError,
  mintLinkToken,
  verifyLinkToken,
} from '../../../lambdas/governance/approvals/link-tokens';

const claims = { a: 'apr-1', p: 'ana@example.com', h: 'a'.repeat(64), s: 0, exp: 1_900_000_000 };

describe('approval link tokens', () => {
  it('round-trip the approval, approver, action hash, stage and expiry they bind', () => {
    const token = mintLinkToken('key-1', claims);
    expect(verifyLinkToken(token, ['key-1'])).toMatchObject(claims);
  });

  it('carry a fresh random id each, so every link is single-use on its own', () => {
    const a = verifyLinkToken(mintLinkToken('k', claims), ['k']);
    const b = verifyLinkToken(mintLinkToken('k', claims), ['k']);
    expect(a.n).not.toBe(b.n);
    expect(a.n.length).toBeGreaterThanOrEqual(16);
  });

  it('reject a token whose claims were edited (another approver, another hash)', () => {
    const token = mintLinkToken('k', claims);
    const [, signature] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ ...claims, p: 'eve@example.com', n: 'x'.repeat(16) })).toString(
      'base64url',
    );
    expect(() => verifyLinkToken(`${forged}.${signature}`, ['k'])).toThrow(InvalidLinkTokenError);
  });

  it('reject a token signed with another key, and accept the previous key during a rotation', () => {
    const token = mintLinkToken('old-key', claims);
    expect(() => verifyLinkToken(token, ['new-key'])).toThrow(/signature/);
    expect(verifyLinkToken(token, ['new-key', 'old-key']).p).toBe('ana@example.com');
  });

  it('reject malformed tokens without throwing anything else', () => {
    for (const bad of ['', 'abc', 'a.b.c', '.', `${Buffer.from('{}').toString('base64url')}.sig`]) {
      expect(() => verifyLinkToken(bad, ['k'])).toThrow(InvalidLinkTokenError);
    }
  });
});
