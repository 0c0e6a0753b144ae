import { requestFacts } from '../../../lambdas/agents/fulfilment/request-facts';

describe('the facts of a catalogue request', () => {
  const item = { id: 'grant-github-access', service: 'identity-directory' };

  it("take the service the item's runbook acts on and its owner, saying what they replaced", () => {
    const facts = requestFacts(
      {
        service: 'checkout-api',
        owningTeam: 'Payments Engineering',
        basis: { service: 'topology match in the description' },
      },
      item,
      'Identity & Access',
    );
    expect(facts).toMatchObject({
      service: 'identity-directory',
      owningTeam: 'Identity & Access',
      basis: {
        service: 'catalogue item grant-github-access acts on identity-directory; was checkout-api',
        owningTeam: expect.stringMatching(/Identity & Access owns identity-directory; was Payments Engineering$/),
      },
    });
  });

  it('leave facts that already agree alone, and keep the team when nobody is known to own the service', () => {
    expect(
      requestFacts(
        { service: 'identity-directory', owningTeam: 'Identity & Access', basis: {} },
        item,
        'Identity & Access',
      ),
    ).toBeUndefined();
    expect(requestFacts({ owningTeam: 'Service Desk', basis: {} }, item, undefined)).toMatchObject({
      service: 'identity-directory',
      owningTeam: 'Service Desk',
    });
  });
});
