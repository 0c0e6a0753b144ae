import type { Incident } from '../../../../lambdas/core/incident';

/** An incident with sensible defaults, for agent tests. */
export const anIncident = (overrides: Partial<Incident> = {}): Incident => ({
  incidentId: 'inc-1',
  source: 'servicenow',
  kind: 'ticket',
  externalId: 'INC1',
  fingerprint: 'servicenow:1',
  title: 'Something is wrong',
  description: '',
  status: 'new',
  priority: 'P3',
  severity: {},
  labels: {},
  agents: {},
  timeline: [],
  createdAt: '2026-11-20T10:00:00.000Z',
  updatedAt: '2026-11-20T10:00:00.000Z',
  ...overrides,
});

/** A clock stopped at one instant. */
export const clockAt = (iso: string) => ({ now: () => new Date(iso) });
