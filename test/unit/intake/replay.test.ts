import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArchiveReader, archivedFiles } from '../../../bin/replay';
import { FileRawArchive } from '../../../lambdas/adapters/local/file-raw-archive';
import { handleDelivery } from '../../../lambdas/intake/intake-request';
import { replayDelivery, replayFailedDeliveries, routeOf } from '../../../lambdas/intake/replay';
import { eventParserFor, webhookParserFor } from '../../../lambdas/intake/sources';
import { fixtureText, harness, headerLookup, nativeAuth } from './support';

const SECRET = 'replay-secret';

describe('replaying deliveries', () => {
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'lumos-replay-'));
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it('re-drives a recorded failed delivery from the archive, clears its record, and reports duplicates after', async () => {
    const h = harness();
    h.workflow.failNext = 1;
    const body = fixtureText('jira/issue-created-cloud.json');
    await expect(
      handleDelivery(
        h.deps,
        webhookParserFor('jira'),
        'jira',
        { body, header: headerLookup(nativeAuth('jira', body, SECRET)) },
        SECRET,
      ),
    ).rejects.toMatchObject({ statusCode: 503 });
    const reader = { read: async (ref: string) => h.archive.read(ref)!.body };

    expect(await replayFailedDeliveries(h.deps, reader, { dryRun: true })).toEqual([
      expect.objectContaining({ route: 'jira' }),
    ]);
    const [outcome] = await replayFailedDeliveries(h.deps, reader);
    expect(outcome?.answer).toMatchObject({ status: 'created' });
    expect(await h.store.listFailedDeliveries()).toEqual([]);
    expect(h.workflow.started).toHaveLength(1);
    expect(await replayFailedDeliveries(h.deps, reader)).toEqual([]);
  });

  it('keeps the record when the replay fails again, counting the attempt', async () => {
    const h = harness();
    h.workflow.failNext = 2;
    const body = fixtureText('generic/alert.json');
    await handleDelivery(
      h.deps,
      webhookParserFor('generic'),
      'generic',
      { body, header: headerLookup(nativeAuth('generic', body, SECRET)) },
      SECRET,
    ).catch(() => undefined);
    const [outcome] = await replayFailedDeliveries(h.deps, { read: async (ref) => h.archive.read(ref)!.body });
    expect(outcome?.error?.statusCode).toBe(503);
    expect((await h.store.listFailedDeliveries())[0]?.attempts).toBe(2);
  });

  it('re-drives a folder of the file archive, webhooks and events alike, idempotently', async () => {
    const first = harness();
    first.deps.archive = new FileRawArchive(join(home, 'raw'));
    const jira = fixtureText('jira/issue-created-cloud.json');
    await handleDelivery(
      first.deps,
      webhookParserFor('jira'),
      'jira',
      { body: jira, header: headerLookup(nativeAuth('jira', jira, SECRET)) },
      SECRET,
    );
    const alarm = fixtureText('cloudwatch/alarm.json');
    await handleDelivery(
      first.deps,
      eventParserFor('aws.cloudwatch'),
      'aws.cloudwatch',
      { body: alarm, header: () => undefined },
      undefined,
      { channel: 'event' },
    );

    // A fresh installation (nothing stored) rebuilt from the archive alone.
    const second = harness();
    const archived = [];
    for await (const delivery of archivedFiles(join(home, 'raw'))) archived.push(delivery);
    expect(archived.map((d) => [d.channel, d.route]).sort()).toEqual([
      ['event', 'aws.cloudwatch'],
      ['webhook', 'jira'],
    ]);
    const answers = await Promise.all(archived.map((d) => replayDelivery(second.deps, d)));
    expect(answers.map((a) => a.answer?.status)).toEqual(['created', 'created']);
    const again = await Promise.all(archived.map((d) => replayDelivery(second.deps, d)));
    expect(again.map((a) => a.answer?.status)).toEqual(['duplicate', 'duplicate']);
    expect(await new ArchiveReader().read(archived[0]!.ref)).toBe(archived[0]!.body);
  });

  it('infers where an archived body belongs when its metadata does not say', () => {
    expect(routeOf('cloudwatch', fixtureText('cloudwatch/alarm.json'))).toEqual({
      channel: 'event',
      route: 'aws.cloudwatch',
    });
    expect(routeOf('zendesk', fixtureText('zendesk/eventbridge-ticket-created.json'))).toEqual({
      channel: 'event',
      route: 'aws.partner/zendesk.com/12514403/default',
    });
    expect(routeOf('jira', fixtureText('jira/issue-created-cloud.json'))).toEqual({
      channel: 'webhook',
      route: 'jira',
    });
    expect(routeOf('jira', 'not json', { channel: 'webhook', route: 'jira' })).toEqual({
      channel: 'webhook',
      route: 'jira',
    });
  });

  it('reports an unknown route as a failed replay instead of throwing', async () => {
    const h = harness();
    const outcome = await replayDelivery(h.deps, { ref: 'x', channel: 'webhook', route: 'nagios', body: '{}' });
    expect(outcome.error).toMatchObject({ statusCode: 404 });
  });
});
