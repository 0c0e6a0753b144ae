import { jiraParser } from '../../../../lambdas/intake/sources/jira';
import { BadRequestError } from '../../../../lambdas/shared/errors';
import { fixture, onlySignal, parseContext, sampleText } from '../support';

const parse = (body: unknown) => jiraParser.parse(body, parseContext());

describe('the Jira parser', () => {
  it('opens a ticket from a Cloud issue_created with the priority name mapped, the component as service and a link back', () => {
    const signal = onlySignal(parse(fixture('jira/issue-created-cloud.json')));
    expect(signal).toMatchObject({
      source: 'jira',
      kind: 'ticket',
      action: 'create',
      externalId: 'OPS-412',
      externalUrl: 'https://acme.atlassian.net/browse/OPS-412',
      fingerprint: 'jira:acme.atlassian.net:10231',
      title: 'Checkout returns HTTP 502 for card payments',
      service: 'checkout-api',
      severity: { priority: 'P2', label: 'high' },
      reporter: 'Priya Raman',
      occurredAt: '2026-11-20T09:44:10.412Z',
    });
    expect(signal.serviceHints).toEqual(expect.arrayContaining(['payments', 'OPS']));
    expect(signal.changedBy).toContain('5b10a2844c20165700ede21g');
  });

  it('keeps the Data Center context path in links and maps "Major" to P2', () => {
    const signal = onlySignal(parse(fixture('jira/issue-created-datacenter.json')));
    expect(signal.externalUrl).toBe('https://jira.intra.example.com/jira/browse/SUP-77');
    expect(signal.fingerprint).toBe('jira:jira.intra.example.com:48213');
    expect(signal.severity.priority).toBe('P2');
    expect(signal.changedBy).toEqual(expect.arrayContaining(['m.keller', 'm.keller@example.com']));
    expect(signal.occurredAt).toBe('2026-11-20T07:12:00.000Z');
  });

  it('reads Atlassian Document Format descriptions and keeps unicode intact', () => {
    const signal = onlySignal(parse(fixture('jira/issue-created-cloud-adf-unicode.json')));
    expect(signal.title).toBe('Kasse fällt aus – 決済エラー 🚨');
    expect(signal.description).toContain('Zahlungen schlagen fehl: HTTP 502');
    expect(signal.description).toContain('影響: すべての顧客');
    expect(signal.severity.priority).toBe('P1');
    expect(signal.service).toBeUndefined();
  });

  it('turns a priority and status change into an update that names what changed', () => {
    const signal = onlySignal(parse(fixture('jira/issue-updated-priority.json')));
    expect(signal).toMatchObject({ action: 'update', severity: { priority: 'P1' } });
    expect(signal.labels.changed).toBe('priority,status');
    expect(signal.fingerprint).toBe(onlySignal(parse(fixture('jira/issue-created-cloud.json'))).fingerprint);
  });

  it('resolves when the issue reaches the Done category, and when it is deleted', () => {
    expect(onlySignal(parse(fixture('jira/issue-updated-resolved.json'))).action).toBe('resolve');
    expect(onlySignal(parse(fixture('jira/issue-deleted.json'))).action).toBe('resolve');
  });

  it('carries the comment author and text so write-back can be recognised', () => {
    const signal = onlySignal(parse(fixture('jira/issue-updated-comment-writeback.json')));
    expect(signal.changedBy).toContain('712020:lumos-bot');
    expect(signal.changeNote).toContain('[lumos-writeback]');
  });

  it('ignores updates that change nothing Lumos tracks and events that are not issue changes', () => {
    expect(parse(fixture('jira/issue-updated-rank-only.json'))).toEqual({
      ignored: expect.stringContaining('no change'),
    });
    expect(parse(fixture('jira/sprint-started.json'))).toEqual({ ignored: expect.stringContaining('sprint_started') });
  });

  it('gives each change its own delivery id but the same fingerprint', () => {
    const ids = [
      'jira/issue-created-cloud.json',
      'jira/issue-updated-priority.json',
      'jira/issue-updated-resolved.json',
    ].map((f) => onlySignal(parse(fixture(f))).deliveryId);
    expect(new Set(ids).size).toBe(3);
  });

  it('accepts the shared real sample (an old Server payload with a numeric timestamp)', () => {
    const signal = onlySignal(parse(JSON.parse(sampleText('jira/zulip_issue_created.json'))));
    expect(signal).toMatchObject({ externalId: 'BUG-15', action: 'create', severity: { priority: 'P2' } });
    expect(signal.externalUrl).toBe('http://lfranchi.com:8080/browse/BUG-15');
  });

  it('rejects an issue event without an issue key with a 400 naming the field', () => {
    const body = fixture('jira/issue-created-cloud.json');
    delete body.issue.key;
    expect.assertions(2);
    try {
      parse(body);
    } catch (error) {
      expect(error).toBeInstanceOf(BadRequestError);
      expect((error as BadRequestError).field).toBe('issue.key');
    }
  });

  it('says a request in the "Waiting for customer" status waits on the customer, and any other status does not', () => {
    const body = fixture('jira/issue-updated-priority.json');
    const withStatus = (status: unknown) => ({
      ...body,
      issue: { ...body.issue, fields: { ...body.issue.fields, status } },
    });
    const waiting = { name: 'Waiting for customer', statusCategory: { key: 'indeterminate', name: 'In Progress' } };
    expect(onlySignal(parse(withStatus(waiting))).waitingOn).toBe('customer');
    expect(onlySignal(parse(body)).waitingOn).toBe('none');
    expect(onlySignal(parse(withStatus(null))).waitingOn).toBeUndefined();
  });
});
