import { layoutBlastRadius } from '../../../console/src/blast-radius-layout';
import { clock, duration, shortId } from '../../../console/src/format';
import { parseRoute } from '../../../console/src/main-routes';
import { readClock } from '../../../console/src/sla';
import { tokenFromLink } from '../../../console/src/views/approval-links';

const opened = '2026-11-20T10:00:00.000Z';
const at = (minutes: number) => Date.parse(opened) + minutes * 60_000;

describe('readClock', () => {
  const incident = { priority: 'P1', status: 'triaged', createdAt: opened, updatedAt: opened };

  it('counts down the default target of the priority when the incident has no SLA clock', () => {
    expect(readClock(incident, at(30))).toMatchObject({ state: 'ok', remaining: 1800, basis: 'default', target: 3600 });
    expect(readClock(incident, at(50)).state).toBe('warning');
    expect(readClock(incident, at(61))).toMatchObject({ state: 'breached', remaining: -60 });
  });

  it('follows the governance clock, and stands still while it is paused', () => {
    const sla = {
      resolveBy: '2026-11-20T11:00:00.000Z',
      resolveSeconds: 3600,
      status: 'paused',
      pausedAt: '2026-11-20T10:20:00.000Z',
    };
    const paused = readClock({ ...incident, agents: { sla } }, at(45));
    expect(paused).toMatchObject({ state: 'paused', remaining: 2400, basis: 'clock' });
  });

  it('reports a resolved incident as met or breached by when it was resolved', () => {
    expect(
      readClock({ ...incident, status: 'resolved', updatedAt: new Date(at(40)).toISOString() }, at(600)).state,
    ).toBe('met');
    expect(
      readClock({ ...incident, status: 'resolved', updatedAt: new Date(at(90)).toISOString() }, at(600)).state,
    ).toBe('breached');
  });
});

describe('tokenFromLink', () => {
  it('takes the token from a review or decision link, or a bare token', () => {
    expect(tokenFromLink('https://api.example.com/v1/approvals/apr-1?token=abc.def')).toBe('abc.def');
    expect(tokenFromLink('http://127.0.0.1:3000/approvals/apr-1/decision?decision=approve&token=x_y.z-w')).toBe(
      'x_y.z-w',
    );
    expect(tokenFromLink('  payload.signature ')).toBe('payload.signature');
    expect(tokenFromLink('not a link')).toBeUndefined();
    expect(tokenFromLink('')).toBeUndefined();
  });
});

describe('parseRoute', () => {
  it('reads the view, the id and the query from the fragment', () => {
    expect(parseRoute('#/incidents/inc-1')).toMatchObject({ name: 'incident', id: 'inc-1' });
    expect(parseRoute('#/approvals/apr-2?token=t').params.get('token')).toBe('t');
    expect(parseRoute('#/metrics?days=7')).toMatchObject({ name: 'metrics' });
    expect(parseRoute('')).toMatchObject({ name: 'incidents' });
    expect(parseRoute('#main')).toMatchObject({ name: 'incidents' });
  });
});

describe('layoutBlastRadius', () => {
  it('puts dependencies left and dependents right of the service, one column per hop, arrows meaning depends on', () => {
    const layout = layoutBlastRadius({
      status: 'mapped',
      service: 'checkout-api',
      dependencies: [
        { id: 'payments-api', depth: 1, path: ['checkout-api', 'payments-api'] },
        { id: 'payments-db', depth: 2, path: ['checkout-api', 'payments-api', 'payments-db'] },
      ],
      dependents: [{ id: 'web', depth: 1, path: ['checkout-api', 'web'] }],
      suspects: [{ component: 'payments-api', score: 0.8, reasons: ['deployed 10 min before'], changeIds: [] }],
    });
    const x = (id: string) => layout.nodes.find((n) => n.id === id)!.x;
    expect(x('payments-db')).toBeLessThan(x('payments-api'));
    expect(x('payments-api')).toBeLessThan(x('checkout-api'));
    expect(x('web')).toBeGreaterThan(x('checkout-api'));
    expect(layout.edges).toEqual(
      expect.arrayContaining([
        { from: 'checkout-api', to: 'payments-api' },
        { from: 'payments-api', to: 'payments-db' },
        { from: 'web', to: 'checkout-api' },
      ]),
    );
    expect(layout.nodes.find((n) => n.id === 'payments-api')?.suspect).toBe(true);
  });

  it('keeps at most eight nodes per column, suspects first, and counts the rest', () => {
    const dependents = Array.from({ length: 12 }, (_, i) => ({
      id: `svc-${String(i).padStart(2, '0')}`,
      depth: 1,
      path: ['core', `svc-${i}`],
    }));
    const layout = layoutBlastRadius({
      status: 'mapped',
      service: 'core',
      dependents,
      suspects: [{ component: 'svc-11', score: 1, reasons: [], changeIds: [] }],
    });
    expect(layout.nodes.filter((n) => n.side === 'downstream')).toHaveLength(8);
    expect(layout.nodes.some((n) => n.id === 'svc-11')).toBe(true);
    expect(layout.hidden.downstream).toBe(4);
  });
});

describe('formatting', () => {
  it('writes durations and clocks for people', () => {
    expect(duration(42)).toBe('42 s');
    expect(duration(2.5)).toBe('2.5 s');
    expect(duration(3 * 3600 + 5 * 60)).toBe('3 h 05 min');
    expect(duration(null)).toBe('—');
    expect(clock(3725)).toBe('1:02:05');
    expect(clock(-65)).toBe('−01:05');
    expect(shortId('arn:aws:cloudwatch:eu-west-1:1:alarm:orders-db-high')).toBe('orders-db-high');
  });
});
