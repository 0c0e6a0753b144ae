import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeBackReason } from '../../../lambdas/intake/loop-prevention';
import { parseServiceMap, resolveService } from '../../../lambdas/intake/service-map';
import { loadIntakeSettings } from '../../../lambdas/intake/settings';

describe('the service map', () => {
  const map = parseServiceMap({
    services: {
      checkout: { match: ['checkout-api', 'AWS/RDS:orders-*'], priority: 'P1' },
      payroll: { match: ['payroll-*'] },
    },
  });

  it('names the service by the first name any entry matches, ignoring case, with * as wildcard', () => {
    expect(resolveService(map, 'Checkout-API')).toEqual({
      service: 'checkout',
      priority: 'P1',
      matched: 'Checkout-API',
    });
    expect(resolveService(map, 'AWS/RDS:i-123', ['AWS/RDS:orders-db'])).toMatchObject({
      service: 'checkout',
      matched: 'AWS/RDS:orders-db',
    });
    expect(resolveService(map, 'payroll-batch')).toEqual({
      service: 'payroll',
      priority: undefined,
      matched: 'payroll-batch',
    });
    expect(resolveService(map, 'checkout')).toMatchObject({ service: 'checkout' });
  });

  it("keeps the source's own service when nothing matches, and never promotes a mere hint", () => {
    expect(resolveService(map, 'billing', ['host-1'])).toEqual({ service: 'billing' });
    expect(resolveService(map, undefined, ['enterprise-tag'])).toEqual({ service: undefined });
  });

  it('treats only * as special (dots and brackets are literal)', () => {
    const literal = parseServiceMap({ services: { x: { match: ['a.b[1]'] } } });
    expect(resolveService(literal, 'a.b[1]').service).toBe('x');
    expect(resolveService(literal, 'axb[1]').service).toBe('axb[1]');
  });

  it('accepts the alias shorthand', () => {
    const short = parseServiceMap({ 'checkout-api': 'checkout', 'orders-db': 'checkout' });
    expect(resolveService(short, 'orders-db')).toMatchObject({ service: 'checkout' });
  });

  it('refuses a malformed map with a readable message', () => {
    expect(() => parseServiceMap({ services: { x: { priority: 'P9' } } })).toThrow(/services.x.priority/);
    expect(() => parseServiceMap([1, 2])).toThrow(/service map/);
  });
});

describe('intake settings', () => {
  it('has documented defaults', () => {
    const settings = loadIntakeSettings({});
    expect(settings).toMatchObject({
      correlationWindowSeconds: 600,
      correlationKinds: ['alert'],
      writeBackMarker: '[lumos-writeback]',
      integrationUsers: ['lumos', 'lumos.integration', 'lumos-integration'],
      problems: [],
    });
  });

  it('reads the service map inline or from a file, and reports (not throws) bad values', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lumos-settings-'));
    try {
      const file = join(dir, 'services.json');
      writeFileSync(file, JSON.stringify({ 'orders-db': 'orders' }));
      expect(loadIntakeSettings({ LUMOS_SERVICE_MAP: file }).serviceMap.entries).toHaveLength(1);
      expect(loadIntakeSettings({ LUMOS_SERVICE_MAP_FILE: file }).serviceMap.entries).toHaveLength(1);
      expect(
        loadIntakeSettings({ LUMOS_SERVICE_MAP: '{"services": {"a": {"match": ["b"]}}}' }).serviceMap.entries,
      ).toHaveLength(1);
      const bad = loadIntakeSettings({
        LUMOS_SERVICE_MAP: '{not json',
        LUMOS_CORRELATION_WINDOW_SECONDS: '-5',
        LUMOS_CORRELATION_KINDS: 'alert,tickets',
      });
      expect(bad.serviceMap.entries).toEqual([]);
      expect(bad.correlationWindowSeconds).toBe(600);
      expect(bad.problems).toHaveLength(3);
      expect(
        loadIntakeSettings({ LUMOS_CORRELATION_WINDOW_SECONDS: '120', LUMOS_CORRELATION_KINDS: 'alert,ticket' }),
      ).toMatchObject({
        correlationWindowSeconds: 120,
        correlationKinds: ['alert', 'ticket'],
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('write-back recognition', () => {
  const settings = { integrationUsers: ['lumos-bot', 'lumos@example.com'], writeBackMarker: '[lumos-writeback]' };

  it('recognises the integration user by any identity, ignoring case', () => {
    expect(writeBackReason({ source: 'jira', changedBy: ['Someone', 'LUMOS@example.com'] }, settings)).toContain(
      'integration user',
    );
  });

  it('recognises the marker in the change note', () => {
    expect(
      writeBackReason(
        { source: 'servicenow', changedBy: ['admin'], changeNote: 'Triage done [LUMOS-WRITEBACK]' },
        settings,
      ),
    ).toContain('marker');
  });

  it('lets people’s changes through', () => {
    expect(
      writeBackReason({ source: 'jira', changedBy: ['priya'], changeNote: 'Lumos said this is P1, agreed' }, settings),
    ).toBeUndefined();
  });
});
