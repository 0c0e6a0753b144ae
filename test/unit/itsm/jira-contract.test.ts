import { writeBack } from '../../../lambdas/itsm/write-back';
import { type ItsmContractServer, startItsmContractServer } from '../../support/itsm-contract-server';
import { MemoryIncidentStore } from '../../support/memory-incident-store';
import { contractItsm, incidentFrom } from './fixtures';

const clock = { now: () => new Date() };

describe('Jira Cloud REST v3 connector against the contract server', () => {
  let server: ItsmContractServer;
  let store: MemoryIncidentStore;

  beforeEach(async () => {
    server = await startItsmContractServer();
    server.seedJiraIssue({ id: '10400', key: 'OPS-15', summary: 'VPN drops' });
    store = new MemoryIncidentStore();
    await store.create(incidentFrom('jira', { externalId: 'OPS-15' }));
  });
  afterEach(() => server.close());

  it('writes an incident lifecycle as ADF comments, transitions and one field update', async () => {
    const deps = { store, itsm: contractItsm(server), clock };
    const load = async () => (await store.get('inc-test-jira'))!;
    const first = await writeBack(deps, await load(), 'first-response', {
      workNote: '## Lumos triage\n- **P2** network\n- VPN access problems',
      state: 'in_progress',
      assignment: { group: 'Network Operations' },
    });
    await writeBack(deps, await load(), 'handoff', {
      workNote: 'Handoff packet',
      priority: 'P1',
      assignment: { assignee: { name: 'Femi Adeyemi', email: 'femi.adeyemi@example.com' } },
    });
    await writeBack(deps, await load(), 'resolution', {
      reply: 'Your VPN is stable again.',
      state: 'resolved',
      resolution: { notes: 'Tunnel keepalive fixed' },
    });

    expect(server.sequence('jira')).toEqual([
      '201 POST /rest/api/3/issue/OPS-15/comment',
      '200 GET /rest/api/3/issue/OPS-15/transitions',
      '204 POST /rest/api/3/issue/OPS-15/transitions',
      '201 POST /rest/api/3/issue/OPS-15/comment',
      '200 GET /rest/api/3/user/search',
      '204 PUT /rest/api/3/issue/OPS-15',
      '201 POST /rest/api/3/issue/OPS-15/comment',
      '200 GET /rest/api/3/issue/OPS-15/transitions',
      '204 POST /rest/api/3/issue/OPS-15/transitions',
    ]);
    const writes = server.callsOf('jira', { writesOnly: true }).map((c) => c.body as Record<string, unknown>);
    expect(writes[0]).toEqual({
      body: {
        type: 'doc',
        version: 1,
        content: [
          { type: 'heading', attrs: { level: 3 }, content: [{ type: 'text', text: 'Lumos triage' }] },
          {
            type: 'bulletList',
            content: [
              {
                type: 'listItem',
                content: [
                  {
                    type: 'paragraph',
                    content: [
                      { type: 'text', text: 'P2', marks: [{ type: 'strong' }] },
                      { type: 'text', text: ' network' },
                    ],
                  },
                ],
              },
              {
                type: 'listItem',
                content: [{ type: 'paragraph', content: [{ type: 'text', text: 'VPN access problems' }] }],
              },
            ],
          },
          {
            type: 'paragraph',
            content: [
              { type: 'text', text: expect.stringMatching(/^\[lumos-writeback\] ref:lumos-[0-9a-f]{24}\.note$/) },
            ],
          },
        ],
      },
      properties: [{ key: 'sd.public.comment', value: { internal: true } }],
    });
    expect(writes[1]).toEqual({ transition: { id: '11' } });
    expect(writes[3]).toEqual({
      fields: { priority: { name: 'Highest' }, assignee: { accountId: '5b10ac8d82e05b22cc7d4ef5' } },
    });
    expect(writes[4]).not.toHaveProperty('properties');
    expect(writes[5]).toEqual({ transition: { id: '31' }, fields: { resolution: { name: 'Done' } } });
    expect(first.record.warnings).toEqual([
      'no assignment-group field is configured for Jira; the group is named in the note only',
    ]);
    const issue = server.jira.issues.get('OPS-15')!;
    expect(issue).toMatchObject({ status: 'Done', priority: 'Highest', assignee: '5b10ac8d82e05b22cc7d4ef5' });
    expect(server.jiraCommentTexts('OPS-15')).toHaveLength(3);
  });

  it('takes no transition when the issue is already where the write wants it', async () => {
    server.jira.issues.get('OPS-15')!.status = 'Done';
    const deps = { store, itsm: contractItsm(server), clock };
    const result = await writeBack(deps, (await store.get('inc-test-jira'))!, 'resolution', { state: 'resolved' });
    expect(server.sequence('jira')).toEqual([
      '200 GET /rest/api/3/issue/OPS-15/transitions',
      '200 GET /rest/api/3/issue/OPS-15',
    ]);
    expect(result.record.warnings).toBeUndefined();
  });

  it('writes the group into the configured custom field', async () => {
    const { createConnector } = await import('../../../lambdas/itsm/connector-registry');
    const connector = createConnector(
      'jira',
      { baseUrl: server.url, credentials: { type: 'basic', username: 'lumos', password: 'local-dev-secret' } },
      { jira: { groupField: { id: 'customfield_10050', format: 'option' } } },
    );
    await writeBack(
      { store, itsm: { connector: async () => connector }, clock },
      (await store.get('inc-test-jira'))!,
      'routing',
      {
        assignment: { group: 'Network Operations' },
      },
    );
    expect(server.callsOf('jira').map((c) => c.body)).toEqual([
      { fields: { customfield_10050: { value: 'Network Operations' } } },
    ]);
  });
});
