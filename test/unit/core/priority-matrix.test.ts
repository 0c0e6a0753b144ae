import { priorityFromImpactUrgency, priorityFromLabel, sourcePriority } from '../../../lambdas/core/priority-matrix';

describe('the ITIL priority matrix', () => {
  it.each([
    [1, 1, 'P1'],
    [1, 2, 'P2'],
    [2, 1, 'P2'],
    [1, 3, 'P3'],
    [2, 2, 'P3'],
    [3, 1, 'P3'],
    [2, 3, 'P4'],
    [3, 2, 'P4'],
    [3, 3, 'P5'],
  ] as const)('maps impact %i and urgency %i to %s', (impact, urgency, expected) => {
    expect(priorityFromImpactUrgency(impact, urgency)).toBe(expected);
  });

  it('prefers impact and urgency over the source priority and explains the basis', () => {
    const result = sourcePriority({ impact: 3, urgency: 3, priority: 'P1' });
    expect(result).toEqual({ priority: 'P5', basis: expect.stringContaining('impact 3 x urgency 3') });
  });

  it('falls back to the source priority, then the severity label, then nothing', () => {
    expect(sourcePriority({ priority: 'P2' })?.priority).toBe('P2');
    expect(sourcePriority({ label: 'Critical' })?.priority).toBe('P1');
    expect(sourcePriority({ label: 'something-else' })).toBeUndefined();
    expect(priorityFromLabel('warning')).toBe('P3');
  });
});
