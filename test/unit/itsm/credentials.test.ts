import { SecretBackedItsm } from '../../../lambdas/itsm/connector-registry';
import { Authorizer, parseConnection } from '../../../lambdas/itsm/credentials';
import { ItsmAuthError } from '../../../lambdas/itsm/itsm-errors';
import { retryAfterMs } from '../../../lambdas/itsm/vendor-http';
import { writeBack } from '../../../lambdas/itsm/write-back';
import { type ItsmContractServer, startItsmContractServer } from '../../support/itsm-contract-server';
import { MemoryIncidentStore } from '../../support/memory-incident-store';
import { incidentFrom } from './fixtures';

const basic = (text: string) => `Basic ${Buffer.from(text).toString('base64')}`;

describe('ITSM credentials', () => {
  it('signs Jira API tokens as email:token and Zendesk API tokens as email/token:token', async () => {
    const credentials = { type: 'api-token' as const, email: 'lumos@example.com', token: 't0k' };
    expect(await new Authorizer('jira', credentials).header()).toBe(basic('lumos@example.com:t0k'));
    expect(await new Authorizer('zendesk', credentials).header()).toBe(basic('lumos@example.com/token:t0k'));
    expect(await new Authorizer('servicenow', { type: 'basic', username: 'lumos', password: 'pw' }).header()).toBe(
      basic('lumos:pw'),
    );
  });

  it('names the invalid part of a connection secret without echoing its values', () => {
    const attempt = () =>
      parseConnection(
        'jira',
        JSON.stringify({ baseUrl: 'not a url', credentials: { type: 'api-token', email: 'x', token: 'secret-value' } }),
      );
    expect(attempt).toThrow(ItsmAuthError);
    expect(attempt).toThrow(/baseUrl/);
    expect(attempt).not.toThrow(/secret-value/);
  });

  it('reads Retry-After in seconds and as an HTTP date', () => {
    expect(retryAfterMs('2')).toBe(2000);
    expect(retryAfterMs('0.5')).toBe(500);
    expect(retryAfterMs(new Date(10_000 + 3000).toUTCString(), 10_000)).toBeLessThanOrEqual(3000);
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs(null)).toBeUndefined();
  });

  describe('against the contract server', () => {
    let server: ItsmContractServer;
    beforeEach(async () => {
      server = await startItsmContractServer();
      server.seedServiceNowIncident({ sys_id: 'a'.repeat(32), number: 'INC0000001' });
    });
    afterEach(() => server.close());

    it('exchanges OAuth client credentials for a token, and signs in again when the token is refused', async () => {
      const secret = JSON.stringify({
        baseUrl: server.url,
        credentials: {
          type: 'oauth-client-credentials',
          tokenUrl: `${server.url}/oauth_token.do`,
          clientId: 'lumos',
          clientSecret: 's3cret',
        },
      });
      const itsm = new SecretBackedItsm({ get: async (name) => (name === 'servicenow' ? secret : undefined) }, {});
      const store = new MemoryIncidentStore();
      const incident = incidentFrom('servicenow', { externalId: 'INC0000001', sysId: 'a'.repeat(32) });
      await store.create(incident);
      const clock = { now: () => new Date() };
      await writeBack({ store, itsm, clock }, incident, 'first-response', { workNote: 'one' });
      server.issuedTokens.length = 0; // the instance revoked every token
      await writeBack({ store, itsm, clock }, (await store.get(incident.incidentId))!, 'handoff', { workNote: 'two' });

      expect(server.calls.map((c) => `${c.status} ${c.method} ${c.path}`)).toEqual([
        '200 POST /oauth_token.do',
        `200 PATCH /api/now/table/incident/${'a'.repeat(32)}`,
        `401 PATCH /api/now/table/incident/${'a'.repeat(32)}`,
        '200 POST /oauth_token.do',
        `200 PATCH /api/now/table/incident/${'a'.repeat(32)}`,
      ]);
      expect(server.calls[0]!.body).toEqual({
        grant_type: 'client_credentials',
        client_id: 'lumos',
        client_secret: 's3cret',
      });
      expect(server.journalOf('a'.repeat(32))).toHaveLength(2);
      expect(await itsm.connector('pagerduty')).toBeUndefined();
      expect(await itsm.connector('jira')).toBeUndefined();
    });
  });
});
