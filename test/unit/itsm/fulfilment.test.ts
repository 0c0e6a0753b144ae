import { type FulfilmentDeps, fulfilRequest, matchRequest } from '../../../lambdas/agents/fulfilment/core';
import { parseServiceCatalogue, serviceCatalogue } from '../../../lambdas/agents/fulfilment/service-catalogue';
import type { Incident } from '../../../lambdas/core/incident';
import { incidentFrom } from './fixtures';

function request(title: string, overrides: Partial<Incident> = {}, category = 'access'): Incident {
  const base = incidentFrom('jira', { externalId: 'HELP-7' });
  return {
    ...base,
    title,
    description: '',
    priority: 'P4',
    reporter: 'ana.lima@example.com',
    labels: { issueType: 'Service Request' },
    triage: { ...base.triage!, priority: 'P4', category, confidence: 0.7 },
    ...overrides,
  };
}

function fakeDeps(
  overrides: Partial<FulfilmentDeps> = {},
): FulfilmentDeps & { runs: Array<[string, Record<string, string>]> } {
  const runs: Array<[string, Record<string, string>]> = [];
  return {
    runs,
    runbook: (id) => ({ id, version: 'v1', risk: 'low' }),
    parameters: (_id, values) => ({ ...values, directoryUrl: 'http://directory.local' }),
    evaluate: () => ({ allowed: true, autonomous: true, because: [] }),
    runOnce: async (id, parameters) => {
      runs.push([id, parameters]);
      return { status: 'succeeded', summary: 'all steps and post-checks passed', steps: 2 };
    },
    ...overrides,
  };
}

describe('request fulfilment agent', () => {
  const catalogue = serviceCatalogue();

  it('matches a password reset request and takes the user from the requester field only', () => {
    const match = matchRequest(
      request('Please reset my password', { description: 'user is bob@evil.example' }),
      catalogue,
    );
    expect(match).toMatchObject({
      item: { id: 'password-reset' },
      values: { user: 'ana.lima@example.com' },
      requestType: 'Service Request',
      missing: [],
    });
    expect(match!.confidence).toBeGreaterThanOrEqual(0.9);
  });

  it('takes an option value from the fixed list, never the words of the ticket', () => {
    const match = matchRequest(request('Need access to GitHub for the mobile repo'), catalogue);
    expect(match).toMatchObject({
      item: { id: 'access-request' },
      values: { resource: 'github', user: 'ana.lima@example.com' },
    });
    const install = matchRequest(request('Please install Visual Studio Code', {}, 'general'), catalogue);
    expect(install?.values.package).toBe('vscode');
  });

  it('asks for information when the request names two options or none', async () => {
    const two = await fulfilRequest(request('Need access to GitHub and Salesforce'), catalogue, fakeDeps());
    expect(two).toMatchObject({ status: 'needs_information', itemId: 'access-request' });
    expect(two.summary).toContain('more than one resource named');
    const none = await fulfilRequest(request('Need access to the finance share'), catalogue, fakeDeps());
    expect(none).toMatchObject({ status: 'needs_information', summary: expect.stringContaining('missing resource') });
  });

  it('does not take incidents that merely mention a catalogue phrase for requests', () => {
    // No request type, a category the item does not cover:
    expect(
      matchRequest(request('Password reset e-mails are not delivered', { labels: {} }, 'email'), catalogue),
    ).toBeUndefined();
    // No request type and the option cannot be resolved:
    expect(
      matchRequest(request('Printer driver install fails', { labels: {} }, 'hardware'), catalogue),
    ).toBeUndefined();
    // Urgent tickets are incidents unless their type says request:
    expect(
      matchRequest(
        request('Locked out of my account', {
          labels: {},
          priority: 'P2',
          triage: { ...request('x').triage!, priority: 'P2' },
        }),
        catalogue,
      ),
    ).toBeUndefined();
    // Alerts never are requests:
    expect(matchRequest(request('reset password', { kind: 'alert' }), catalogue)).toBeUndefined();
  });

  it('still recognises a request without a request type when triage put it in the item category', () => {
    expect(matchRequest(request('I forgot my password', { labels: {} }), catalogue)?.item.id).toBe('password-reset');
  });

  it('runs the item runbook when the policy lets it run alone, and renders the reply', async () => {
    const deps = fakeDeps();
    const result = await fulfilRequest(request('Need access to Confluence'), catalogue, deps);
    expect(result).toMatchObject({
      status: 'fulfilled',
      itemId: 'access-request',
      runbookId: 'grant-access',
      run: { status: 'succeeded' },
      reply: expect.stringContaining('You now have standard access to confluence.'),
      proposal: { runbookId: 'grant-access', version: 'v1', service: 'identity-directory' },
    });
    expect(deps.runs).toEqual([
      [
        'grant-access',
        { user: 'ana.lima@example.com', resource: 'confluence', directoryUrl: 'http://directory.local' },
      ],
    ]);
  });

  it('runs nothing when the policy wants a person, and says why', async () => {
    const deps = fakeDeps({
      evaluate: () => ({
        allowed: true,
        autonomous: false,
        because: ["The environment's change window is closed; changes need a person"],
      }),
    });
    const result = await fulfilRequest(request('reset my password'), catalogue, deps);
    expect(result.status).toBe('needs_approval');
    expect(result.summary).toContain('change window is closed');
    expect(result.proposal).toMatchObject({
      runbookId: 'reset-password',
      parameters: { user: 'ana.lima@example.com' },
    });
    expect(deps.runs).toEqual([]);
  });

  it('reports a missing runbook, a refusal, a failed run and an interrupted one as things for a person', async () => {
    const req = request('reset my password');
    expect((await fulfilRequest(req, catalogue, fakeDeps({ runbook: () => undefined }))).status).toBe(
      'runbook_missing',
    );
    expect(
      (
        await fulfilRequest(
          req,
          catalogue,
          fakeDeps({ evaluate: () => ({ allowed: false, autonomous: false, because: ['frozen'] }) }),
        )
      ).status,
    ).toBe('refused');
    const failed = await fulfilRequest(
      req,
      catalogue,
      fakeDeps({ runOnce: async () => ({ status: 'rolled_back', summary: 'post-check failed', steps: 3 }) }),
    );
    expect(failed).toMatchObject({ status: 'failed', summary: expect.stringContaining('rolled_back') });
    expect((await fulfilRequest(req, catalogue, fakeDeps({ runOnce: async () => 'interrupted' }))).status).toBe(
      'interrupted',
    );
  });

  it('validates the catalogue: anchored patterns, unique ids', () => {
    const item = catalogue.items[0]!;
    expect(() => parseServiceCatalogue({ items: [item, item] })).toThrow(/used twice/);
    expect(() =>
      parseServiceCatalogue({
        items: [{ ...item, variables: { user: { from: 'incident.reporter', pattern: '[a-z]+' } } }],
      }),
    ).toThrow(/anchored/);
  });
});
