import { buildIncidentQuery, cleanAlertText, cleanTicketText } from '../../../lambdas/knowledge/incident-query';
import { terms, words } from '../../../lambdas/knowledge/lexical';
import { expandQuery } from '../../../lambdas/knowledge/synonyms';

describe('lexical terms', () => {
  it('splits identifiers, keeps the joined form, drops stop words and stems', () => {
    expect(words('KubePodCrashLooping')).toEqual(['kubepodcrashlooping', 'kube', 'pod', 'crash', 'looping']);
    expect(terms("Hi team, my laptop can't connect to the VPN, restarting didn't help")).toEqual([
      'laptop',
      'connect',
      'vpn',
      'restart',
    ]);
  });

  it('drops long numbers and hex ids that only identify one occurrence', () => {
    expect(terms('pod 7f9c2a1b3d in request 123456789 returned 503')).toEqual(['pod', 'request', 'return', '503']);
  });
});

describe('expandQuery', () => {
  it('adds the runbook vocabulary for how people describe problems', () => {
    expect(expandQuery("my laptop can't connect to the vpn")).toEqual(
      expect.arrayContaining(['connection', 'remote', 'access', 'tunnel']),
    );
    expect(expandQuery('I am locked out')).toEqual(expect.arrayContaining(['lockout', 'password']));
  });

  it('does not repeat words the query already has and adds nothing for unrelated text', () => {
    expect(expandQuery('vpn')).not.toContain('vpn');
    expect(expandQuery('quarterly budget spreadsheet')).toEqual([]);
  });
});

describe('cleanAlertText', () => {
  it('turns a CloudWatch alarm into words about the fault, without ids, numbers and threshold boilerplate', () => {
    const text = cleanAlertText(
      'ServerCpuTooHigh is in ALARM. Goes into alarm when server CPU utilization is too high! Threshold Crossed: ' +
        '1 out of the last 1 datapoints [92.47 (02/10/19 17:04:00)] was greater than the threshold (50.0) ' +
        '(minimum 1 datapoint for OK -> ALARM transition). arn:aws:cloudwatch:us-east-1:123456789012:alarm:x i-0abc1234def56789',
    );
    expect(text).toContain('Server Cpu Too High');
    expect(text).toContain('server CPU utilization is too high');
    expect(text).not.toMatch(/\d|arn:|ALARM|datapoint|threshold/);
  });

  it('drops unrendered templates and label pairs but keeps HTTP status codes', () => {
    expect(cleanAlertText('{{ $labels.job }} returns 503 for instance="10.1.2.3:9100"')).toBe('returns 503 for');
  });
});

describe('cleanTicketText', () => {
  it('drops greetings, sign-offs, signatures and quoted replies but keeps the problem', () => {
    const text = cleanTicketText(
      'Hi team,\n\nOutlook keeps asking for my password since this morning.\nCall me on +44 20 7946 0958.\n\n' +
        'Thanks,\nJane Doe\nFinance\n\n> earlier message',
    );
    expect(text).toBe('Outlook keeps asking for my password since this morning. Call me on .');
  });
});

describe('buildIncidentQuery', () => {
  it('leads with the title, follows with the description, then adds service and category not already mentioned', () => {
    const query = buildIncidentQuery({
      kind: 'ticket',
      title: 'VPN not connecting',
      description: 'Hello,\nThe VPN client times out on every attempt.\nRegards, Sam',
      service: 'GlobalProtect',
      triage: { category: 'network', priority: 'P3', assignmentGroup: 'Network', confidence: 0.6, rationale: 'x' },
    });
    expect(query).toBe('VPN not connecting. The VPN client times out on every attempt. Global Protect. network');
  });

  it('cleans alert titles and descriptions as machine text', () => {
    const query = buildIncidentQuery({
      kind: 'alert',
      title: 'HighMemoryUsage is in ALARM',
      description: 'Memory above 95% on i-0123456789abcdef0',
      service: 'checkout',
    });
    expect(query).toBe('High Memory Usage. Memory above on. checkout');
  });

  it('does not repeat a description identical to the title', () => {
    expect(buildIncidentQuery({ kind: 'ticket', title: 'Printer offline', description: 'printer offline' })).toBe(
      'Printer offline',
    );
  });
});
