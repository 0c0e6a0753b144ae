import type { Signal } from '../../../lambdas/core/incident';
import { acceptSignal } from '../../../lambdas/intake/intake-service';
import { convergenceOf, pathRelated } from '../../../lambdas/intake/outage-correlation';
import type { Topology, TopologySource } from '../../../lambdas/ports/topology';
import { harness } from './support';

const RAW = 'memory://raw';

/** web-frontend -> checkout-api -> payments-api -> orders-db; search-api -> redis-cache <- inventory-api. */
const GRAPH: Topology = {
  nodes: [
    { id: 'web-frontend' },
    { id: 'checkout-api', aliases: ['checkout'] },
    { id: 'payments-api' },
    { id: 'orders-db' },
    { id: 'search-api' },
    { id: 'inventory-api' },
    { id: 'redis-cache' },
  ],
  edges: [
    { from: 'web-frontend', to: 'checkout-api', kind: 'calls' },
    { from: 'checkout-api', to: 'payments-api', kind: 'calls' },
    { from: 'payments-api', to: 'orders-db', kind: 'writes' },
    { from: 'search-api', to: 'redis-cache', kind: 'reads' },
    { from: 'inventory-api', to: 'redis-cache', kind: 'reads' },
  ],
};
const graph: TopologySource = { topology: async () => GRAPH, changes: async () => [] };

let n = 0;
const alarm = (service: string, overrides: Partial<Signal> = {}): Signal => {
  n++;
  return {
    source: 'alertmanager',
    kind: 'alert',
    action: 'create',
    deliveryId: `alarm-${n}`,
    fingerprint: `alertmanager:${service}:${n}`,
    externalId: `A${n}`,
    title: `${service} health check failing`,
    description: '',
    severity: {},
    occurredAt: '2026-11-20T10:00:00Z',
    labels: {},
    service,
    ...overrides,
  };
};

function setup() {
  const h = harness({ settings: { correlationWindowSeconds: 120 } });
  h.deps.topology = graph;
  return h;
}

describe('one outage across the service graph', () => {
  it('relates services along one direction of a path only, never siblings of a shared dependency', () => {
    const related = pathRelated(GRAPH, 'checkout-api');
    expect(Object.fromEntries(related)).toEqual({ 'payments-api': 1, 'orders-db': 2, 'web-frontend': 1 });
    expect(pathRelated(GRAPH, 'search-api').has('inventory-api')).toBe(false);
  });

  it('joins the alarms of a failing service and of its callers into the incident the first of them opened', async () => {
    const { deps, workflow, store } = setup();
    const front = await acceptSignal(deps, alarm('web-frontend'), RAW);
    const checkout = await acceptSignal(deps, alarm('checkout-api'), RAW);
    const payments = await acceptSignal(deps, alarm('payments-api'), RAW);
    expect(front.status).toBe('created');
    expect(checkout).toMatchObject({ status: 'correlated', incidentId: front.incidentId });
    expect(payments).toMatchObject({ status: 'correlated', incidentId: front.incidentId });
    expect(workflow.started).toHaveLength(1);
    const incident = await store.get(front.incidentId!);
    const why = incident!.timeline.filter((e) => e.type === 'signal.correlated').map((e) => e.data?.why);
    expect(why).toEqual([
      expect.stringContaining('checkout-api and web-frontend are linked in the service graph'),
      expect.stringContaining('payments-api and checkout-api are linked'),
    ]);
  });

  it('joins a downstream alarm to the incident of the upstream service it depends on', async () => {
    const { deps } = setup();
    const db = await acceptSignal(deps, alarm('orders-db'), RAW);
    expect(await acceptSignal(deps, alarm('web-frontend'), RAW)).toMatchObject({
      status: 'correlated',
      incidentId: db.incidentId,
    });
  });

  it('keeps an outage of an unrelated service, or of a sibling on shared infrastructure, apart', async () => {
    const { deps } = setup();
    const search = await acceptSignal(deps, alarm('search-api'), RAW);
    const inventory = await acceptSignal(deps, alarm('inventory-api'), RAW);
    const payments = await acceptSignal(deps, alarm('payments-api'), RAW);
    expect(inventory.status).toBe('created');
    expect(payments.status).toBe('created');
    expect(new Set([search.incidentId, inventory.incidentId, payments.incidentId]).size).toBe(3);
  });

  it('does not join an incident whose alarms have all recovered, nor one quiet for longer than the window', async () => {
    const { deps, clock } = setup();
    const first = alarm('checkout-api');
    const opened = await acceptSignal(deps, first, RAW);
    // A ticket keeps the incident open, but its alarm recovered: the outage is over.
    await acceptSignal(
      deps,
      alarm('checkout-api', {
        source: 'servicenow',
        kind: 'ticket',
        fingerprint: 'servicenow:t1',
        deliveryId: 't1',
        externalId: 'INC1',
      }),
      RAW,
    );
    await acceptSignal(deps, { ...first, action: 'resolve', deliveryId: 'resolve-1' }, RAW);
    const later = await acceptSignal(deps, alarm('payments-api'), RAW);
    expect(later.status).toBe('created');
    expect(later.incidentId).not.toBe(opened.incidentId);

    clock.advance(121);
    expect((await acceptSignal(deps, alarm('orders-db'), RAW)).incidentId).not.toBe(later.incidentId);
  });

  it('links services through alarms only: an alarm about another service does not join a ticket-only incident', async () => {
    const { deps } = setup();
    const ticket = await acceptSignal(
      deps,
      alarm('checkout-api', {
        source: 'servicenow',
        kind: 'ticket',
        fingerprint: 'servicenow:t3',
        deliveryId: 't3',
        externalId: 'INC3',
      }),
      RAW,
    );
    const db = await acceptSignal(deps, alarm('orders-db'), RAW);
    expect(db.status).toBe('created');
    expect(db.incidentId).not.toBe(ticket.incidentId);
    // Its own service's alarm still joins it.
    expect(await acceptSignal(deps, alarm('checkout-api'), RAW)).toMatchObject({
      status: 'correlated',
      incidentId: ticket.incidentId,
    });
  });

  it('routes as before when the graph cannot be read or does not know the service', async () => {
    const { deps } = setup();
    deps.topology = {
      topology: async () => {
        throw new Error('graph unavailable');
      },
      changes: async () => [],
    };
    const a = await acceptSignal(deps, alarm('web-frontend'), RAW);
    expect((await acceptSignal(deps, alarm('checkout-api'), RAW)).incidentId).not.toBe(a.incidentId);
    deps.topology = graph;
    const b = await acceptSignal(deps, alarm('unknown-svc'), RAW);
    expect(b.status).toBe('created');
  });
});

describe('an outage whose epicentre has not alarmed yet', () => {
  /** Storefront -> checkout -> payments and inventory -> orders-db; a notifier also reads orders-db; search -> redis. */
  const SHOP: Topology = {
    nodes: ['web', 'checkout', 'payments', 'inventory', 'orders-db', 'notifier', 'redis', 'search'].map((id) => ({
      id,
    })),
    edges: [
      { from: 'web', to: 'checkout' },
      { from: 'checkout', to: 'payments' },
      { from: 'checkout', to: 'inventory' },
      { from: 'payments', to: 'orders-db' },
      { from: 'inventory', to: 'orders-db' },
      { from: 'inventory', to: 'redis' },
      { from: 'notifier', to: 'orders-db' },
      { from: 'search', to: 'redis' },
    ],
  };
  const shop = () => {
    const h = harness({ settings: { correlationWindowSeconds: 120 } });
    h.deps.topology = { topology: async () => SHOP, changes: async () => [] };
    return h;
  };

  it('is where all of its services converge, unless one of them already explains the others', () => {
    expect([...convergenceOf(SHOP, new Set(['web', 'payments', 'inventory']))]).toEqual(['orders-db']);
    expect(convergenceOf(SHOP, new Set(['checkout', 'inventory'])).size).toBe(0);
    expect(convergenceOf(SHOP, new Set(['web'])).size).toBe(0);
    expect(convergenceOf(SHOP, new Set(['notifier', 'search'])).size).toBe(0);
  });

  it("takes another dependent of that epicentre into the outage's incident", async () => {
    const { deps } = shop();
    const opened = await acceptSignal(deps, alarm('web'), RAW);
    for (const service of ['payments', 'inventory'])
      expect(await acceptSignal(deps, alarm(service), RAW)).toMatchObject({
        status: 'correlated',
        incidentId: opened.incidentId,
      });
    expect(await acceptSignal(deps, alarm('notifier'), RAW)).toMatchObject({
      status: 'correlated',
      incidentId: opened.incidentId,
    });
  });

  it('keeps a sibling apart when the outage has one service, or one of its services is the shared dependency', async () => {
    const lone = shop();
    const web = await acceptSignal(lone.deps, alarm('web'), RAW);
    expect((await acceptSignal(lone.deps, alarm('notifier'), RAW)).incidentId).not.toBe(web.incidentId);
    const explained = shop();
    const inventory = await acceptSignal(explained.deps, alarm('inventory'), RAW);
    expect(await acceptSignal(explained.deps, alarm('checkout'), RAW)).toMatchObject({
      incidentId: inventory.incidentId,
    });
    expect((await acceptSignal(explained.deps, alarm('notifier'), RAW)).incidentId).not.toBe(inventory.incidentId);
    expect((await acceptSignal(explained.deps, alarm('search'), RAW)).incidentId).not.toBe(inventory.incidentId);
  });
});

describe('what the outage lookups read', () => {
  it('reads the recent incidents once for a new ticket checked against live and just-ended outages', async () => {
    const { deps, store } = setup();
    await acceptSignal(deps, alarm('search-api'), RAW);
    store.calls.clear();
    const ticket = alarm('orders-db', { source: 'servicenow', kind: 'ticket', fingerprint: 'servicenow:T1' });
    expect(await acceptSignal(deps, ticket, RAW)).toMatchObject({ status: 'created' });
    expect(store.calls.get('listHeads')).toBe(1);
    expect(store.calls.get('list') ?? 0).toBe(0);
  });

  it('fails the delivery when the store cannot list incidents, rather than opening a second incident', async () => {
    const { deps, store } = setup();
    const first = await acceptSignal(deps, alarm('checkout-api'), RAW);
    store.listHeads = async () => {
      throw new Error('store unavailable');
    };
    await expect(acceptSignal(deps, alarm('payments-api'), RAW)).rejects.toThrow('store unavailable');
    expect((await store.list()).map((i) => i.incidentId)).toEqual([first.incidentId]);
  });
});

describe('an incident kept open by a ticket after its alarms recovered', () => {
  it('does not take a later firing of the same alarm: that is a new outage', async () => {
    const { deps } = setup();
    const first = alarm('checkout-api');
    const opened = await acceptSignal(deps, first, RAW);
    const ticket = alarm('checkout-api', {
      source: 'servicenow',
      kind: 'ticket',
      fingerprint: 'servicenow:t2',
      deliveryId: 't2',
      externalId: 'INC2',
    });
    expect(await acceptSignal(deps, ticket, RAW)).toMatchObject({
      status: 'correlated',
      incidentId: opened.incidentId,
    });
    await acceptSignal(deps, { ...first, action: 'resolve', deliveryId: 'resolve-2' }, RAW);
    const again = await acceptSignal(deps, { ...first, deliveryId: 'refire-2' }, RAW);
    expect(again.status).toBe('created');
    expect(again.incidentId).not.toBe(opened.incidentId);
    // While an alarm still fires, a repeat of it stays with its incident.
    const repeat = await acceptSignal(deps, { ...first, deliveryId: 'refire-3' }, RAW);
    expect(repeat).toMatchObject({ status: 'correlated', incidentId: again.incidentId });
  });
});
