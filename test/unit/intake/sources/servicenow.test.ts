import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { servicenowParser } from '../../../../lambdas/intake/sources/servicenow';
import type { ParseOutcome } from '../../../../lambdas/intake/sources/source';
import { BadRequestError } from '../../../../lambdas/shared/errors';
import { sampleText } from '../support';

const fixture = (path: string) => JSON.parse(readFileSync(join(__dirname, '../../../fixtures', path), 'utf8'));
const context = { receivedAt: new Date('2026-11-20T10:00:00Z'), header: () => undefined };
const onlySignal = (outcome: ParseOutcome) => {
  if (!('signals' in outcome)) throw new Error(`expected signals, got ${JSON.stringify(outcome)}`);
  expect(outcome.signals).toHaveLength(1);
  return outcome.signals[0]!;
};

describe('the ServiceNow parser', () => {
  it('unwraps a Table API result and keeps impact, urgency, the CI display value and the number', () => {
    const signal = onlySignal(servicenowParser.parse(fixture('servicenow/incident-created.json'), context));
    expect(signal).toMatchObject({
      source: 'servicenow',
      kind: 'ticket',
      action: 'create',
      externalId: 'INC0012345',
      fingerprint: 'servicenow:9d385017c611228701d22104cc95c371',
      title: 'Checkout API returning 503 for all customers',
      service: 'checkout-api',
      reporter: '5137',
      severity: { impact: 1, urgency: 1, priority: 'P1' },
      occurredAt: '2026-11-20T09:42:10.000Z',
    });
  });

  it('accepts a bare record with an empty short description by titling it from the description', () => {
    const signal = onlySignal(servicenowParser.parse(fixture('servicenow/incident-bare-minimal.json'), context));
    expect(signal.title).toBe('Outlook keeps asking for my password since this morning');
    expect(signal.severity).toEqual({ impact: 3, urgency: 2, priority: undefined });
    expect(signal.reporter).toBe('jane.doe');
  });

  it('distinguishes updates (sys_mod_count > 0) and resolutions (state 6/7) and gives each its own delivery id', () => {
    const base = fixture('servicenow/incident-created.json').result;
    const created = onlySignal(servicenowParser.parse(base, context));
    const updated = onlySignal(
      servicenowParser.parse({ ...base, sys_mod_count: '3', sys_updated_on: '2026-11-20 10:00:00' }, context),
    );
    const resolved = onlySignal(servicenowParser.parse({ ...base, state: '6', sys_mod_count: '4' }, context));
    expect([created.action, updated.action, resolved.action]).toEqual(['create', 'update', 'resolve']);
    expect(new Set([created.deliveryId, updated.deliveryId, resolved.deliveryId]).size).toBe(3);
    expect(updated.fingerprint).toBe(created.fingerprint);
  });

  it('rejects a record without sys_id with a 400 naming the field', () => {
    expect.assertions(3);
    try {
      servicenowParser.parse({ result: { number: 'INC1' } }, context);
    } catch (error) {
      expect(error).toBeInstanceOf(BadRequestError);
      expect((error as BadRequestError).field).toBe('sys_id');
      expect((error as BadRequestError).statusCode).toBe(400);
    }
  });

  it('accepts the shared real sample (empty short description, priority 5) and keeps who changed it', () => {
    const sample = JSON.parse(sampleText('servicenow/xsoar-servicenowv2-test_RESPONSE_CREATE_TICKET.json'));
    const signal = onlySignal(servicenowParser.parse(sample, context));
    expect(signal).toMatchObject({
      externalId: 'INC0010007',
      title: 'creating a test ticket',
      severity: { impact: 3, urgency: 3, priority: 'P5' },
      reporter: 'test',
      changedBy: ['admin'],
    });
  });

  it('carries the latest work note so a write-back marker can be seen', () => {
    const base = fixture('servicenow/incident-created.json').result;
    const signal = onlySignal(
      servicenowParser.parse(
        { ...base, sys_mod_count: '2', work_notes: 'Lumos triage: P1 [lumos-writeback]' },
        context,
      ),
    );
    expect(signal.changeNote).toContain('[lumos-writeback]');
  });

  it('says an On Hold incident awaiting the caller waits on the customer, and other holds and states do not', () => {
    const base = { ...fixture('servicenow/incident-created.json').result, sys_mod_count: '5' };
    const parse = (changes: Record<string, unknown>) =>
      onlySignal(servicenowParser.parse({ ...base, ...changes }, context)).waitingOn;
    expect(parse({ state: '3', hold_reason: '1' })).toBe('customer');
    expect(parse({ state: 3, hold_reason: 'Awaiting Caller' })).toBe('customer');
    expect(parse({ state: '3', hold_reason: '4' })).toBe('none');
    expect(parse({ state: '2', hold_reason: '' })).toBe('none');
    expect(parse({ state: undefined, incident_state: undefined })).toBeUndefined();
  });
});
