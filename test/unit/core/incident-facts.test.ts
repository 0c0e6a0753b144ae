import { serviceCandidates } from '../../../lambdas/agents/affected-service';
import {
  decideFacts,
  type FactInput,
  IncidentFacts,
  serviceOwner,
  withOwningTeam,
} from '../../../lambdas/core/incident-facts';

const COMPONENTS = [
  { id: 'checkout-api', aliases: ['checkout'], owner: 'Payments Engineering' },
  { id: 'payments-api', aliases: ['payments'], owner: 'Payments Engineering' },
  { id: 'orders-db', name: 'Orders Database', owner: 'Database Administration' },
  { id: 'web-frontend', aliases: ['storefront'] },
];
const SERVICES = { 'checkout-api': { environment: 'production' }, 'legacy-erp': { environment: 'staging' } };

const ticket = (overrides: Partial<FactInput> = {}): FactInput => ({
  source: 'servicenow',
  kind: 'ticket',
  title: 'Something is wrong',
  description: '',
  labels: {},
  ...overrides,
});

describe('the shared incident facts', () => {
  it('take the service from the ServiceNow cmdb_ci and say so', () => {
    const facts = decideFacts(ticket({ service: 'checkout-api', reporter: 'ana@example.com' }), {
      components: COMPONENTS,
      services: SERVICES,
    });
    expect(facts).toEqual({
      service: 'checkout-api',
      environment: 'production',
      reporter: 'ana@example.com',
      basis: { service: 'cmdb_ci', environment: 'governance service checkout-api' },
    });
  });

  it('name the component as the service graph does when the source uses an alias or display name', () => {
    expect(decideFacts(ticket({ service: 'Orders Database' }), { components: COMPONENTS }).service).toBe('orders-db');
    const alarm = decideFacts(ticket({ source: 'cloudwatch', kind: 'alert', service: 'AWS/ApplicationELB:checkout' }), {
      components: COMPONENTS,
    });
    expect(alarm).toMatchObject({
      service: 'checkout-api',
      basis: { service: "CloudWatch dimension 'AWS/ApplicationELB:checkout'" },
    });
  });

  it('read alert labels when the source field names nothing the graph knows', () => {
    const facts = decideFacts(
      ticket({
        source: 'alertmanager',
        kind: 'alert',
        service: 'KubePodCrashLooping',
        labels: { app: 'payments', env: 'prod' },
      }),
      { components: COMPONENTS },
    );
    expect(facts).toMatchObject({
      service: 'payments-api',
      environment: 'prod',
      basis: { service: "label app 'payments'", environment: 'label env' },
    });
  });

  it('fall back to a topology match in the title, then the description, preferring the longest name', () => {
    expect(
      decideFacts(ticket({ title: 'Checkout-API returning 503 for all customers' }), { components: COMPONENTS }),
    ).toMatchObject({ service: 'checkout-api', basis: { service: 'topology match in the title' } });
    expect(
      decideFacts(ticket({ title: 'Site is slow', description: 'the storefront times out' }), {
        components: COMPONENTS,
      }),
    ).toMatchObject({ service: 'web-frontend', basis: { service: 'topology match in the description' } });
    expect(decideFacts(ticket({ title: 'paymentsfoo is broken' }), { components: COMPONENTS }).service).toBeUndefined();
  });

  it('keep a source name the graph does not know, marked as such, rather than inventing one from the text', () => {
    const facts = decideFacts(ticket({ service: 'mainframe-7', title: 'checkout is down' }), {
      components: COMPONENTS,
    });
    expect(facts).toMatchObject({ service: 'checkout-api', basis: { service: 'topology match in the title' } });
    const unknown = decideFacts(ticket({ service: 'mainframe-7', title: 'all broken' }), { components: COMPONENTS });
    expect(unknown).toMatchObject({ service: 'mainframe-7', basis: { service: 'cmdb_ci (not in the service graph)' } });
  });

  it('accept a governed service the graph lacks', () => {
    expect(
      decideFacts(ticket({ service: 'legacy-erp' }), { components: COMPONENTS, services: SERVICES }),
    ).toMatchObject({
      service: 'legacy-erp',
      environment: 'staging',
    });
  });

  it('know the owner the graph records and let routing set the owning team, saying what it replaced', () => {
    const facts = decideFacts(ticket({ service: 'orders-db' }), { components: COMPONENTS });
    expect(serviceOwner(facts, COMPONENTS)).toBe('Database Administration');
    const proposed = {
      ...facts,
      owningTeam: 'Database Administration',
      basis: { ...facts.basis, owningTeam: 'graph' },
    };
    const routed = withOwningTeam(proposed, 'Platform Engineering', 'routing rule: DBA at capacity');
    expect(routed.owningTeam).toBe('Platform Engineering');
    expect(routed.basis.owningTeam).toBe('routing rule: DBA at capacity; was Database Administration');
    expect(withOwningTeam(routed, 'Platform Engineering', 'routing rule: same').basis.owningTeam).toBe(
      'routing rule: same',
    );
    expect(IncidentFacts.parse(routed)).toEqual(routed);
  });

  it('come first among the names every agent tries, so no agent looks at another service', () => {
    expect(
      serviceCandidates({
        service: 'KubePodCrashLooping',
        labels: { app: 'x' },
        facts: { service: 'checkout-api', basis: {} },
      }),
    ).toEqual(['checkout-api', 'KubePodCrashLooping', 'x']);
  });
});
