import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { genericParser } from '../../../../lambdas/intake/sources/generic';
import { BadRequestError } from '../../../../lambdas/shared/errors';
import { fixture, NOW, onlySignal, parseContext, signalsOf } from '../support';

const parse = (body: unknown) => genericParser.parse(body, parseContext());

describe('the generic Lumos parser', () => {
  it('reads a documented alert', () => {
    const signal = onlySignal(parse(fixture('generic/alert.json')));
    expect(signal).toMatchObject({
      source: 'generic',
      kind: 'alert',
      action: 'create',
      deliveryId: 'generic:deploy-2026-11-20-3-failed',
      fingerprint: 'generic:release-health/checkout-api',
      externalId: 'REL-2026.11.20-3',
      externalUrl: 'https://ci.example.com/releases/2026.11.20-3',
      service: 'checkout-api',
      severity: { label: 'critical' },
      reporter: 'release-bot',
      occurredAt: '2026-11-20T09:59:00.000Z',
      labels: { env: 'prod', region: 'eu-west-1', sender: 'release-bot' },
    });
  });

  it('resolves by fingerprint and reads tickets with impact and urgency', () => {
    expect(onlySignal(parse(fixture('generic/resolve.json')))).toMatchObject({
      action: 'resolve',
      fingerprint: 'generic:release-health/checkout-api',
    });
    const ticket = onlySignal(parse(fixture('generic/ticket.json')));
    expect(ticket).toMatchObject({
      kind: 'ticket',
      severity: { impact: 3, urgency: 2 },
      occurredAt: NOW.toISOString(),
    });
  });

  it('reads a batch and normalises priorities', () => {
    const signals = signalsOf(parse(fixture('generic/batch.json')));
    expect(signals.map((s) => s.severity.priority)).toEqual(['P2', 'P3']);
  });

  it.each([
    [{ title: 'no id' }, 'id'],
    [{ id: 'x', title: '   ' }, 'title'],
    [{ id: 'x', title: 't', priority: 'P9' }, 'priority'],
    [{ id: 'x', title: 't', action: 'explode' }, 'action'],
    [{ id: 'x', title: 't', url: 'javascript:alert(1)' }, 'url'],
    [{ id: 'x', title: 't', impact: 7 }, 'impact'],
  ])('rejects %j naming %s', (body, field) => {
    expect.assertions(2);
    try {
      parse(body);
    } catch (error) {
      expect(error).toBeInstanceOf(BadRequestError);
      expect((error as BadRequestError).field).toBe(field);
    }
  });
});

describe('a generic batch', () => {
  it('refuses a bad entry on its own, naming its field inside the body, and keeps the good ones', () => {
    const outcome = parse({ signals: [{ id: 'a', title: 'ok' }, { id: 'b' }] });
    if (!('items' in outcome)) throw new Error('expected one item per signal');
    expect(outcome.list).toBe('signals');
    expect('signal' in outcome.items[0]! && outcome.items[0].signal.deliveryId).toBe('generic:a');
    const second = outcome.items[1]!;
    expect('refused' in second && second.refused.field).toBe('signals.1.title');
  });
});

describe('the documented generic format (lambdas/intake/GENERIC.md)', () => {
  it('accepts the example exactly as documented', () => {
    const doc = readFileSync(join(__dirname, '../../../../lambdas/intake/GENERIC.md'), 'utf8');
    const example = /```json\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(example).toBeDefined();
    const signal = onlySignal(parse(JSON.parse(example!)));
    expect(signal).toMatchObject({
      action: 'create',
      kind: 'alert',
      service: 'checkout-api',
      severity: { label: 'critical' },
    });
  });
});
