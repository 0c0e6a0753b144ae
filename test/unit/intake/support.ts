import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Source } from '../../../lambdas/core/incident';
import type { IntakeDeps } from '../../../lambdas/intake/intake-service';
import { type IntakeSettings, loadIntakeSettings } from '../../../lambdas/intake/settings';
import { hmacBase64, hmacHex } from '../../../lambdas/intake/signatures';
import type { ParseContext, ParseOutcome } from '../../../lambdas/intake/sources/source';
import type { Clock } from '../../../lambdas/ports/clock';
import type { RawArchive } from '../../../lambdas/ports/raw-archive';
import type { Workflow } from '../../../lambdas/ports/workflow';
import { MemoryIncidentStore, type MemoryStoreOptions } from '../../support/memory-incident-store';

const fixtures = join(__dirname, '../../fixtures');

/** A fixture file's exact text (what a sender signs). */
export const fixtureText = (path: string): string => readFileSync(join(fixtures, path), 'utf8');
/** A fixture parsed. */
// biome-ignore lint/suspicious/noExplicitAny: tests reshape fixtures freely
export const fixture = (path: string): any => JSON.parse(fixtureText(path));
/** The shared real samples (one per source). */
/** The shared payload samples sit beside the checkout (`../shared/samples`), locally and in CI. */
export const SAMPLES_DIR =
  process.env.LUMOS_SAMPLES_DIR ?? join(__dirname, '..', '..', '..', '..', 'shared', 'samples');
export const sampleText = (path: string): string => readFileSync(join(SAMPLES_DIR, path), 'utf8');

export const NOW = new Date('2026-11-20T10:00:00Z');

export const parseContext = (receivedAt = NOW): ParseContext => ({ receivedAt, header: () => undefined });

/**
 * The signals of an outcome (a batch's accepted entries, in order), failing the test with the reason when the parser
 * ignored the body or refused an entry.
 */
export function signalsOf(outcome: ParseOutcome) {
  if ('ignored' in outcome) throw new Error(`expected signals, got ignored: ${outcome.ignored}`);
  if ('signals' in outcome) return outcome.signals;
  const refused = outcome.items.flatMap((item) => ('refused' in item ? [item.refused.message] : []));
  if (refused.length > 0) throw new Error(`expected signals, but entries were refused: ${refused.join('; ')}`);
  const signals = outcome.items.flatMap((item) => ('signal' in item ? [item.signal] : []));
  if (signals.length === 0) throw new Error('expected signals, but every entry was ignored');
  return signals;
}

export function onlySignal(outcome: ParseOutcome) {
  const signals = signalsOf(outcome);
  if (signals.length !== 1) throw new Error(`expected one signal, got ${signals.length}`);
  return signals[0]!;
}

/** Step Functions as far as intake sees it: one execution per name, a second start of a name reports it. */
export class RecordingWorkflow implements Workflow {
  readonly started: { name: string; input: Record<string, unknown> }[] = [];
  private readonly names = new Set<string>();
  failNext = 0;

  async start(name: string, input: Record<string, unknown>) {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('Step Functions unavailable');
    }
    const executionArn = `arn:aws:states:us-east-1:000000000000:execution:lumos-incident:${name}`;
    if (this.names.has(name)) return { executionArn, alreadyStarted: true };
    this.names.add(name);
    this.started.push({ name, input });
    return { executionArn, alreadyStarted: false };
  }
  async sendTaskSuccess() {}
  async sendTaskFailure() {}
  async sendTaskHeartbeat() {}
}

/** Raw archive in memory; `memory://<key>` refs, readable back for replay tests. */
export class MemoryArchive implements RawArchive {
  readonly objects = new Map<string, { body: string; metadata: Record<string, string> }>();
  failNext = 0;
  async put(key: string, body: string, metadata: Record<string, string>) {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('S3 unavailable');
    }
    this.objects.set(key, { body, metadata });
    return `memory://${key}`;
  }
  read(ref: string) {
    return this.objects.get(ref.replace(/^memory:\/\//, ''));
  }
}

/** A clock the test moves. */
export class ManualClock implements Clock {
  constructor(private current = NOW) {}
  now() {
    return new Date(this.current);
  }
  advance(seconds: number) {
    this.current = new Date(this.current.getTime() + seconds * 1000);
  }
}

export function testSettings(overrides: Partial<IntakeSettings> = {}): IntakeSettings {
  return { ...loadIntakeSettings({}), duplicateWaitMs: 1000, ...overrides };
}

export function harness(
  options: { store?: MemoryStoreOptions; settings?: Partial<IntakeSettings>; clock?: ManualClock } = {},
) {
  const store = new MemoryIncidentStore(options.store);
  const workflow = new RecordingWorkflow();
  const archive = new MemoryArchive();
  const clock = options.clock ?? new ManualClock();
  const deps: IntakeDeps = { store, workflow, archive, clock, settings: testSettings(options.settings) };
  return { store, workflow, archive, clock, deps };
}

/** Headers that authenticate `body` the way `source` natively does, signed with `secret` at `now`. */
export function nativeAuth(source: Source, body: string, secret: string, now = NOW): Record<string, string> {
  switch (source) {
    case 'servicenow':
    case 'generic':
      return { 'X-Lumos-Signature': `sha256=${hmacHex(secret, body)}` };
    case 'jira':
      return { 'X-Hub-Signature': `sha256=${hmacHex(secret, body)}` };
    case 'zendesk': {
      const timestamp = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
      return {
        'X-Zendesk-Webhook-Signature': hmacBase64(secret, timestamp + body),
        'X-Zendesk-Webhook-Signature-Timestamp': timestamp,
      };
    }
    case 'pagerduty':
      return { 'X-PagerDuty-Signature': `v1=${hmacHex('retired-secret', body)},v1=${hmacHex(secret, body)}` };
    case 'alertmanager':
    case 'grafana':
      return { Authorization: `Bearer ${secret}` };
    case 'cloudwatch':
      return {};
  }
}

/** A header lookup over a plain object, case-insensitive like API Gateway's. */
export const headerLookup = (headers: Record<string, string>) => (name: string) =>
  Object.entries(headers).find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1];
